"""The embedded suite's bus lives in memory; stopping the suite must lose nothing and a restart count nothing twice."""

from kam_registry.config import RegistrySettings
from kam_registry.main import create_app as create_registry
from kam_shared.clock import FixedClock
from kam_shared.testing import ServiceBus, eventually, running
from kam_suite.main import create_suite_app

from .conftest import API_KEY, NOW  # noqa: TID252
from .test_walking_skeleton import YEAR_FEN, year_of_billing  # noqa: TID252


async def test_the_embedded_suite_loses_nothing_across_a_stop_and_counts_nothing_twice_after_it(tmp_path):
    data = tmp_path / "data"
    clock = FixedClock(NOW)
    # The registry alone: its events reach its in-memory bus, and nobody applies them before it stops.
    registry = create_registry(RegistrySettings(data_dir=data, admin_api_key=API_KEY), clock=clock)
    async with running(registry, API_KEY) as client:
        created = await client.post("/v1/customers", json={"full_name": "Quanzhou Tea Traders", "branch": "QZ01"})
        customer_id = created.json()["id"]
        linked = await client.post(
            f"/v1/customers/{customer_id}/billing-accounts",
            json={"account_no": "MS-0001", "effective_from": "2024-01-01"},
        )
        assert linked.status_code == 201
        await eventually(lambda: _relayed(registry), what="registry outbox relayed")

    suite = create_suite_app(data, API_KEY, clock=clock)
    async with running(suite, API_KEY) as client:
        assert await eventually(lambda: _tier(client, customer_id), what="tiering learned of the customer")
        posted = await client.post("/tiering/v1/billing-events", json={"events": year_of_billing("MS-0001")})
        assert posted.json()["accepted"] == 12
        await eventually(lambda: _revenue_is(client, customer_id, YEAR_FEN), what="billing counted")

    restarted = create_suite_app(data, API_KEY, clock=clock)
    async with running(restarted, API_KEY) as client:
        for service in restarted.state.services.values():
            await ServiceBus(service, clock).settled()
        tier = await _tier(client, customer_id)
        assert (tier["tier"], tier["revenue_12m_minor"]) == ("gold", YEAR_FEN)
        totals = (await client.get("/reporting/v1/reports/tiers")).json()["totals"]
        assert totals == {"customers": 1, "revenue_12m_minor": YEAR_FEN}


async def _relayed(app) -> bool:
    return await app.state.runtime.relay.pending() == 0


async def _tier(client, customer_id: str) -> dict | None:
    response = await client.get(f"/tiering/v1/customers/{customer_id}/tier")
    return response.json() if response.status_code == 200 else None


async def _revenue_is(client, customer_id: str, revenue: int) -> bool:
    tier = await _tier(client, customer_id)
    report = (await client.get("/reporting/v1/reports/tiers")).json()["totals"]
    return bool(tier) and tier["revenue_12m_minor"] == revenue and report["revenue_12m_minor"] == revenue
