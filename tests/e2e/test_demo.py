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
        # Reporting learns of customers and of their revenue through different events: wait for both.
        totals = await eventually(lambda: _reported_with_revenue(client), timeout=60, what="demo revenue reported")
        assert totals["customers"] == len(CUSTOMERS) and totals["revenue_12m_minor"] > 0
        tickets = await eventually(lambda: _tickets(client, 3), timeout=60, what="demo tickets listed")
        assert len(tickets) == 3

        await load_demo(app, API_KEY)  # a second start with --demo adds nothing

        registry = app.state.services["registry"].state.runtime.engine
        count = await registry.connect()
        try:
            assert (await count.execute(text("SELECT count(*) FROM customer"))).scalar_one() == len(CUSTOMERS)
        finally:
            await count.close()


async def _reported_with_revenue(client) -> dict | None:
    totals = (await client.get("/reporting/v1/reports/tiers")).json()["totals"]
    return totals if totals["customers"] == len(CUSTOMERS) and totals["revenue_12m_minor"] > 0 else None


async def _tickets(client, count: int) -> list | None:
    tickets = (await client.get("/service-desk/v1/tickets")).json()["items"]
    return tickets if len(tickets) >= count else None
