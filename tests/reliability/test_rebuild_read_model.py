"""Replaying the topics into an empty read model gives the same state: a second reporting service on an empty
database, in a consumer group of its own (`KAM_REPORTING_KAFKA_CONSUMER_GROUP_SUFFIX`), reads every topic from its
start and reports what the running one reports, to the row."""

import asyncio
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import pytest

from kam_registry.config import RegistrySettings
from kam_registry.main import create_app as create_registry
from kam_reporting.config import ReportingSettings
from kam_reporting.main import create_app as create_reporting
from kam_shared.clock import FixedClock
from kam_shared.testing import TEST_API_KEY, eventually, running
from kam_tiering.config import TieringSettings
from kam_tiering.main import create_app as create_tiering

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
# (name, yuan billed over the year): Gold, VIP, Platinum, Standard and a customer without billing.
CUSTOMERS = [("Gold Co.", 600_000), ("VIP Co.", 20_000), ("Platinum Co.", 1_200_000), ("Small Co.", 50), ("New Co.", 0)]


async def test_a_reporting_read_model_rebuilt_from_the_topics_equals_the_running_one(tansu, database_url):
    broker = tansu()
    clock = FixedClock(NOW)
    common = {"kafka_bootstrap_servers": broker.bootstrap, "admin_api_key": TEST_API_KEY, "relay_poll_interval_s": 0.2}
    async with AsyncExitStack() as stack:

        async def start(create_app, settings):
            return await stack.enter_async_context(running(create_app(settings, clock=clock), TEST_API_KEY))

        registry = await start(create_registry, RegistrySettings(database_url=await database_url("registry"), **common))
        tiering = await start(
            create_tiering,
            TieringSettings(database_url=await database_url("tiering"), month_close_automatic=False, **common),
        )
        reporting = await start(
            create_reporting, ReportingSettings(database_url=await database_url("reporting"), **common)
        )

        events = []
        for number, (name, yuan) in enumerate(CUSTOMERS):
            created = await registry.post("/v1/customers", json={"full_name": name, "branch": f"XM0{number % 2 + 1}"})
            assert created.status_code == 201, created.text
            if yuan:
                for month in range(1, 11):
                    events.append(
                        {
                            "billing_id": f"RB-{number}-{month:02d}",
                            "customer_id": created.json()["id"],
                            "amount_minor": yuan * 10,  # a tenth of the year's amount each month, in fen
                            "currency": "CNY",
                            "business_line": "domestic_express",
                            "posted_on": f"2026-{month:02d}-15",
                        }
                    )
        accepted = await tiering.post("/v1/billing-events", json={"events": events})
        assert accepted.status_code == 202 and accepted.json()["accepted"] == len(events), accepted.text
        expected_revenue = sum(event["amount_minor"] for event in events)

        async def report(client) -> dict:
            response = await client.get("/v1/reports/tiers")
            return response.json() if response.status_code == 200 else {}

        async def running_complete() -> bool:
            body = await report(reporting)
            totals = body.get("totals", {})
            return totals.get("customers") == len(CUSTOMERS) and totals.get("revenue_12m_minor") == expected_revenue

        await eventually(running_complete, timeout=90, what="the running read model has every customer")
        await eventually(lambda: _stable(report, reporting), timeout=60, what="the running read model settled")
        expected = await report(reporting)

        rebuilt = await start(
            create_reporting,
            ReportingSettings(
                database_url=await database_url("reporting-rebuilt"), kafka_consumer_group_suffix=".rebuild-1", **common
            ),
        )

        async def same() -> bool:
            return await report(rebuilt) == expected

        await eventually(same, timeout=90, what="the rebuilt read model equals the running one")
        by_tier = {line["tier"]: line["customers"] for line in expected["tiers"]}
        assert (by_tier["platinum"], by_tier["gold"], by_tier["vip"], by_tier["standard"]) == (1, 1, 1, 2)


async def _stable(report, client) -> bool:
    """The report read twice in a row, a moment apart, is the same (the replica has caught up)."""
    first = await report(client)
    await asyncio.sleep(1)
    return first == await report(client)
