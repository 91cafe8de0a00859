"""A transient failure holds only the partition it came from: the consumer's other partitions keep flowing."""

import asyncio
import uuid
from collections.abc import Sequence

import pytest
from aiokafka.partitioner import DefaultPartitioner

from kam_shared.db import upsert_adding
from kam_shared.events.catalog import Topics
from kam_shared.events.envelope import Envelope
from kam_shared.messaging.consumer import HandlerContext
from kam_shared.messaging.inprocess import InProcessTransport
from kam_shared.messaging.kafka import KafkaTransport
from kam_shared.testing import eventually

from .conftest import record_of, registered  # noqa: TID252

KAFKA_TIMEOUT_S = 45.0
OTHER_TOPIC = "kam.test-other"


def flaky_counter(harness, broken: set[str]):
    """Counts customers, failing as a lost database connection would while a customer is in `broken`."""
    tally = harness.tally

    async def count(ctx: HandlerContext, envelopes: Sequence[Envelope]) -> None:
        for envelope in envelopes:
            if envelope.data.customer_id in broken:
                raise ConnectionError("the database went away")
            stmt = upsert_adding(tally, ctx.session.get_bind().dialect.name, ["name"], added=["count"])
            await ctx.session.execute(stmt, [{"name": envelope.data.customer_id, "count": 1}])

    return count


async def run_until_recovered(harness, consumer, broken, *, healthy: dict, stuck: dict, timeout: float) -> None:
    """Runs the consumer: the healthy events apply while the broken one fails; then it recovers."""
    task = asyncio.create_task(consumer.run())
    try:
        await eventually(lambda: counted(harness, healthy), timeout=timeout, what="healthy partition applied")
        retries = harness.metrics.consumer_retries.labels(consumer.name)
        await eventually(lambda: retries._value.get() >= 2, timeout=timeout, what="the failing partition retried")
        assert await harness.counts() == healthy, "events behind the failing one in its partition must wait"

        broken.clear()
        await eventually(lambda: counted(harness, healthy | stuck), timeout=timeout, what="failing partition applied")
        await asyncio.sleep(0.5)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert await harness.counts() == healthy | stuck
    assert harness.metrics.events_duplicate.labels(consumer.name)._value.get() == 0


async def counted(harness, expected: dict) -> bool:
    return await harness.counts() == expected


async def test_events_on_another_topic_keep_flowing_while_one_topic_waits_out_a_transient_failure(harness):
    bus = InProcessTransport()
    broken = {"c-flaky"}
    consumer = harness.consumer(
        bus, topics=[Topics.REGISTRY, OTHER_TOPIC], handler=flaky_counter(harness, broken), max_backoff=0.05
    )
    await bus.send([record_of(registered("c-flaky")), record_of(registered("c-after"))])
    await bus.send([record_of(registered(f"c-ok-{n}"), topic=OTHER_TOPIC) for n in range(3)])

    await run_until_recovered(
        harness,
        consumer,
        broken,
        healthy={"c-ok-0": 1, "c-ok-1": 1, "c-ok-2": 1},
        stuck={"c-flaky": 1, "c-after": 1},
        timeout=10,
    )
    assert bus.committed("tally", Topics.REGISTRY) == 2
    assert bus.committed("tally", OTHER_TOPIC) == 3


def customers_on(partition: int, count: int, prefix: str) -> list[str]:
    choose = DefaultPartitioner()
    candidates = (f"{prefix}-{n}" for n in range(1000))
    return [c for c in candidates if choose(c.encode(), [0, 1], [0, 1]) == partition][:count]


@pytest.mark.integration
async def test_events_on_another_kafka_partition_keep_flowing_while_one_partition_waits_out_a_failure(
    harness, kafka_bootstrap
):
    topic = f"test.{uuid.uuid4().hex[:10]}"
    transport = KafkaTransport(kafka_bootstrap, client_id="test-partitions", partitions=2)
    flaky, after = customers_on(0, 2, "c-stuck")
    healthy = customers_on(1, 3, "c-ok")
    broken = {flaky}
    consumer = harness.consumer(
        transport, topics=[topic], name=f"partitions-{topic}", handler=flaky_counter(harness, broken), max_backoff=0.2
    )
    try:
        await transport.send([record_of(registered(flaky), topic=topic), record_of(registered(after), topic=topic)])
        await transport.send([record_of(registered(customer), topic=topic) for customer in healthy])
        await run_until_recovered(
            harness,
            consumer,
            broken,
            healthy=dict.fromkeys(healthy, 1),
            stuck={flaky: 1, after: 1},
            timeout=KAFKA_TIMEOUT_S,
        )
    finally:
        await transport.stop()
