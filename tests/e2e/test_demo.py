"""`--demo` fills an empty suite through the public API, and only an empty one."""

from sqlalchemy import text

from kam_shared.testing import eventually, running
from kam_suite.demo import CUSTOMERS, load_demo
from kam_suite.main import create_suite_app

from .conftest import API_KEY  # noqa: TID252


async def test_the_demo_fills_an_empty_suite_once(tmp_path):
    app = create_suite_app(tmp_path / "data", API_KEY)
    async with running(app, API_KEY) as client:
        await load_demo(app, API_KEY)
        totals = await eventually(lambda: _all_reported(client), timeout=30, what="demo customers reported")
        assert totals["revenue_12m_minor"] > 0
        tickets = (await client.get("/service-desk/v1/tickets")).json()["items"]
        assert len(tickets) == 3

        await load_demo(app, API_KEY)  # a second start with --demo adds nothing

        registry = app.state.services["registry"].state.runtime.engine
        count = await registry.connect()
        try:
            assert (await count.execute(text("SELECT count(*) FROM customer"))).scalar_one() == len(CUSTOMERS)
        finally:
            await count.close()


async def _all_reported(client) -> dict | None:
    totals = (await client.get("/reporting/v1/reports/tiers")).json()["totals"]
    return totals if totals["customers"] == len(CUSTOMERS) else None
