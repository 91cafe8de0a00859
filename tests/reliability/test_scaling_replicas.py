"""Replicas of tiering on one PostgreSQL database share the billing topic's partitions in one consumer group. Under a
steady stream of billing from the bus the group goes from one replica to three, loses one to SIGKILL, gets it back,
and ends with two: every event counts once, none is lost.

PostgreSQL only: replicas of a service share its database, which an SQLite file cannot offer several processes."""

import asyncio
import uuid
from datetime import datetime

import httpx
import pytest

from conftest import postgres_admin_url
from kam_shared.clock import BUSINESS_TZ
from kam_shared.events.catalog import BillingPosted, CustomerRegistered
from kam_shared.events.envelope import Envelope
from kam_shared.messaging.kafka import KafkaTransport
from kam_shared.testing import eventually, outgoing

from .conftest import API_KEY, Tiering  # noqa: TID252

pytestmark = pytest.mark.integration

BATCHES = 40
PER_BATCH = 25


async def test_one_to_three_replicas_one_killed_then_two_lose_nothing_and_count_nothing_twice(
    kafka_bootstrap, database_url, tmp_path
):
    if not postgres_admin_url():
        pytest.skip("replicas share a PostgreSQL database (KAM_TEST_DATABASE_URL)")
    url = await database_url("tiering")
    run = uuid.uuid4().hex[:8]
    # Events are keyed by customer: six customers spread them over the topic's partitions.
    customers = [f"C-SCALE-{run}-{n}" for n in range(6)]
    today = datetime.now(BUSINESS_TZ).date()
    replicas = [Tiering(url, kafka_bootstrap, tmp_path, name=f"replica-{n}") for n in range(3)]
    partner = KafkaTransport(kafka_bootstrap, client_id="partner", partitions=3)

    async def publish(*events) -> None:
        now = datetime.now(BUSINESS_TZ)
        records = [outgoing(Envelope.wrap(event, source="/partner/billing", time=now)) for event in events]
        assert await partner.send(records) == len(records)

    def posted(batch: int, item: int) -> BillingPosted:
        return BillingPosted(
            billing_id=f"SCALE-{run}-{batch:03d}-{item:03d}",
            customer_id=customers[item % len(customers)],
            amount_minor=100 + item,
            currency="CNY",
            business_line="domestic_express",
            posted_on=today,
        )

    expected = BATCHES * sum(100 + item for item in range(PER_BATCH))
    try:
        async with httpx.AsyncClient(headers={"X-API-Key": API_KEY}, timeout=10) as http:
            replicas[0].start()
            await eventually(lambda: replicas[0].ready(http), timeout=60, what="the first replica ready")
            await publish(
                *[
                    CustomerRegistered(
                        customer_id=customer,
                        full_name=f"{customer} Co.",
                        branch="XM01",
                        registered_at=datetime.now(BUSINESS_TZ),
                    )
                    for customer in customers
                ]
            )

            async def stream() -> None:
                for batch in range(BATCHES):
                    await publish(*[posted(batch, item) for item in range(PER_BATCH)])
                    await asyncio.sleep(0.5)

            streaming = asyncio.create_task(stream())
            await asyncio.sleep(3)
            replicas[1].start()
            replicas[2].start()  # one -> three
            await asyncio.sleep(6)
            replicas[1].kill()  # three -> two, by SIGKILL mid-stream
            await asyncio.sleep(3)
            replicas[1].start()  # back to three
            await asyncio.sleep(4)
            replicas[2].kill()  # and down to two
            await streaming

            async def counted() -> int:
                live = [replica for replica in replicas if replica.process and replica.process.poll() is None]
                total = 0
                for customer in customers:
                    try:
                        response = await http.get(f"{live[0].url}/v1/customers/{customer}/revenue")
                    except httpx.HTTPError:
                        return -1
                    if response.status_code != 200:
                        return -1
                    total += sum(month["amount_minor"] for month in response.json()["months"])
                return total

            async def settled() -> bool:
                return await counted() == expected

            reached = True
            try:
                await eventually(settled, timeout=120, what="every event in the ledger")
            except AssertionError:
                reached = False
            await asyncio.sleep(3)  # anything counted twice would show by now
            total = await counted()
    finally:
        for replica in replicas:
            replica.kill()
        await partner.stop()
    print(f"expected {expected}, counted {total}: lost {max(expected - total, 0)}, twice {max(total - expected, 0)}")
    assert reached and total == expected
