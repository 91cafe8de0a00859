"""A consumer's database unreachable for 20 s while billing arrives from the bus: the consumer holds the partition
and retries, readiness says the database is down, nothing goes to the dead-letter topic, and once the database is
back every event counts once. PostgreSQL only: the database sits behind a proxy of the test that refuses every
connection for the outage."""

import asyncio
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from conftest import free_port, postgres_admin_url
from kam_shared.clock import FixedClock
from kam_shared.events.catalog import BillingPosted, CustomerRegistered, Topics
from kam_shared.events.envelope import Envelope
from kam_shared.messaging.kafka import KafkaTransport
from kam_shared.testing import TEST_API_KEY, eventually, outgoing, running
from kam_tiering.config import TieringSettings
from kam_tiering.main import create_app as create_tiering

from .conftest import TcpProxy  # noqa: TID252

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
OUTAGE_S = 20


def posted(number: int) -> BillingPosted:
    return BillingPosted(
        billing_id=f"DB-OUT-{number:04d}",
        customer_id="C-DB",
        amount_minor=700 + number,
        currency="CNY",
        business_line="domestic_express",
        posted_on=date(2026, 11, 10),
    )


async def records_on(bootstrap: str, topic: str) -> int:
    """How many records the topic holds; 0 when it was never created (nothing was ever sent to it)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        if topic not in await admin.list_topics():
            return 0
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        count = 0
        while batches := await consumer.getmany(timeout_ms=1500):
            count += sum(len(records) for records in batches.values())
        return count
    finally:
        await consumer.stop()


async def test_billing_arriving_while_the_database_is_down_waits_and_counts_once_after(tansu, database_url):
    if not postgres_admin_url():
        pytest.skip("the outage is of a PostgreSQL server (KAM_TEST_DATABASE_URL)")
    broker = tansu()
    direct = await database_url("tiering")
    host, _, rest = direct.rsplit("@", 1)[1].partition("/")
    proxy = TcpProxy(int(host.rsplit(":", 1)[1]) if ":" in host else 5432, free_port(), kafka=False)
    await proxy.start()
    async with AsyncExitStack() as stack:
        stack.push_async_callback(proxy.stop)
        settings = TieringSettings(
            database_url=direct.replace(f"@{host}/", f"@127.0.0.1:{proxy.port}/"),
            kafka_bootstrap_servers=broker.bootstrap,
            kafka_topic_partitions=2,
            admin_api_key=TEST_API_KEY,
            month_close_automatic=False,
            relay_poll_interval_s=0.2,
            db_pool_timeout_s=2,
        )
        tiering = await stack.enter_async_context(
            running(create_tiering(settings, clock=FixedClock(NOW)), TEST_API_KEY)
        )
        partner = KafkaTransport(broker.bootstrap, client_id="partner", partitions=2)
        stack.push_async_callback(partner.stop)

        async def publish(*events) -> None:
            records = [outgoing(Envelope.wrap(event, source="/partner/billing", time=NOW)) for event in events]
            assert await partner.send(records) == len(records)

        async def total() -> int:
            response = await tiering.get("/v1/customers/C-DB/revenue")
            return sum(m["amount_minor"] for m in response.json()["months"]) if response.status_code == 200 else -1

        await publish(CustomerRegistered(customer_id="C-DB", full_name="DB Co.", branch="XM01", registered_at=NOW))
        await publish(posted(0))
        await eventually(lambda: _is(total, 700), timeout=60, what="the first event counted")

        proxy.refuse()
        await publish(*[posted(n) for n in range(1, 51)])
        ready = await tiering.get("/readyz")
        await asyncio.sleep(OUTAGE_S)
        during = await tiering.get("/readyz")
        proxy.resume()

        expected = sum(700 + n for n in range(51))
        await eventually(lambda: _is(total, expected), timeout=90, what="every event counted after the outage")
        await asyncio.sleep(2)
        assert await total() == expected
        assert during.status_code == 503 and during.json()["checks"]["database"].startswith("error")
        assert ready.status_code in (200, 503)
        assert await records_on(broker.bootstrap, f"{Topics.BILLING}.dlq") == 0


async def _is(read, expected: int) -> bool:
    return await read() == expected
