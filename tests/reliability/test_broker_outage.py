"""The broker unreachable for 30 s while partners post billing: every request is still accepted (the outbox holds
what cannot be published), and when a broker is back — an empty one, as a restarted test broker is — the backlog
drains into the ledger with nothing lost and nothing counted twice."""

import asyncio
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import pytest

from kam_shared.clock import FixedClock
from kam_shared.events.catalog import CustomerRegistered
from kam_shared.events.envelope import Envelope
from kam_shared.messaging.kafka import KafkaTransport
from kam_shared.testing import TEST_API_KEY, eventually, outgoing, running
from kam_tiering.config import TieringSettings
from kam_tiering.main import create_app as create_tiering

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
OUTAGE_S = 30
PER_BATCH = 100


def batch(number: int) -> list[dict]:
    return [
        {
            "billing_id": f"OUTAGE-{number:03d}-{item:03d}",
            "customer_id": "C-OUT",
            "amount_minor": 500 + item,
            "currency": "CNY",
            "business_line": "domestic_express",
            "posted_on": "2026-11-10",
        }
        for item in range(PER_BATCH)
    ]


async def test_writes_during_a_30_second_outage_are_accepted_and_all_counted_once_after_it(tansu, database_url):
    broker = tansu()
    async with AsyncExitStack() as stack:
        settings = TieringSettings(
            database_url=await database_url("tiering"),
            kafka_bootstrap_servers=broker.bootstrap,
            kafka_topic_partitions=2,
            kafka_metadata_max_age_ms=2000,
            consumer_commit_timeout_s=3,
            admin_api_key=TEST_API_KEY,
            month_close_automatic=False,
            relay_poll_interval_s=0.2,
        )
        app = create_tiering(settings, clock=FixedClock(NOW))
        tiering = await stack.enter_async_context(running(app, TEST_API_KEY))
        registry_side = KafkaTransport(broker.bootstrap, client_id="registry-side", partitions=2)
        stack.push_async_callback(registry_side.stop)
        announced = CustomerRegistered(customer_id="C-OUT", full_name="Outage Co.", branch="XM01", registered_at=NOW)
        assert await registry_side.send([outgoing(Envelope.wrap(announced, source="/kam/registry", time=NOW))]) == 1

        async def total() -> int:
            response = await tiering.get("/v1/customers/C-OUT/revenue")
            if response.status_code != 200:
                return -1
            return sum(month["amount_minor"] for month in response.json()["months"])

        assert (await tiering.post("/v1/billing-events", json={"events": batch(0)})).status_code == 202
        expected = sum(event["amount_minor"] for event in batch(0))
        await eventually(lambda: _is(total, expected), timeout=60, what="the first batch counted")

        broker.kill()
        statuses, number = [], 0
        started = asyncio.get_running_loop().time()
        while asyncio.get_running_loop().time() - started < OUTAGE_S:
            number += 1
            response = await tiering.post("/v1/billing-events", json={"events": batch(number)})
            statuses.append(response.status_code)
            expected += sum(event["amount_minor"] for event in batch(number))
            await asyncio.sleep(1)
        assert set(statuses) == {202} and number >= OUTAGE_S // 2
        assert await app.state.runtime.relay.pending() > 0, "what was accepted waits in the outbox"

        tansu(broker.port)  # an empty broker on the same address
        await eventually(lambda: _is(total, expected), timeout=120, what="the backlog counted")
        await asyncio.sleep(2)  # anything counted twice would show by now
        counted = await total()
    print(
        f"batches during the outage: {number}, lost: {max(expected - counted, 0)}, twice: {max(counted - expected, 0)}"
    )
    assert counted == expected


async def _is(read, expected: int) -> bool:
    return await read() == expected
