"""A consumer that cannot make progress says so: bounded offset commits, and a stalled status for readiness."""

import asyncio
from pathlib import Path

from sqlalchemy import MetaData

from kam_shared.config import ServiceSettings
from kam_shared.events.catalog import Topics
from kam_shared.messaging.consumer import Subscription
from kam_shared.messaging.inprocess import InProcessSubscriber, InProcessTransport
from kam_shared.messaging.tables import define_messaging_tables
from kam_shared.runtime import ServiceDefinition, ServiceRuntime
from kam_shared.testing import eventually

from .conftest import record_of, registered  # noqa: TID252
from .test_consumer_partitions import OTHER_TOPIC, flaky_counter  # noqa: TID252


class HangingCommits(InProcessTransport):
    """The in-process bus, except that the first `hangs` offset commits never return (a broker that lost the topic)."""

    def __init__(self, hangs: int) -> None:
        super().__init__()
        self.hangs = hangs
        self.subscriptions = 0

    def subscriber(self, group, topics):
        self.subscriptions += 1
        transport = self

        class Subscriber(InProcessSubscriber):
            async def commit(self, records):
                if transport.hangs:
                    transport.hangs -= 1
                    await asyncio.Event().wait()
                await super().commit(records)

        return Subscriber(self, group, tuple(topics))


async def test_an_offset_commit_that_does_not_return_is_abandoned_and_the_subscription_rebuilt(harness):
    bus = HangingCommits(hangs=1)
    consumer = harness.consumer(bus, commit_timeout=0.2)
    await bus.send([record_of(registered("c-1")), record_of(registered("c-2"))])

    task = asyncio.create_task(consumer.run())
    try:
        await eventually(lambda: bus.committed("tally", Topics.REGISTRY) == 2, what="offsets committed")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert bus.subscriptions == 2
    # The rebuilt subscription delivered both again; the inbox kept them from being applied twice.
    assert await harness.counts() == {"c-1": 1, "c-2": 1}
    assert harness.metrics.events_duplicate.labels("tally")._value.get() == 2


async def test_a_consumer_stuck_retrying_with_work_waiting_reports_stalled_and_ok_again_once_it_moves(harness):
    bus = InProcessTransport()
    broken = {"c-1"}
    consumer = harness.consumer(bus, handler=flaky_counter(harness, broken), stall_after=0.3, max_backoff=0.05)
    await bus.send([record_of(registered("c-1"))])

    task = asyncio.create_task(consumer.run())
    try:
        await consumer.started.wait()
        assert consumer.status() == "ok"
        await eventually(lambda: consumer.status() == "stalled", timeout=5, what="reported stalled")
        assert consumer.lag == 1

        broken.clear()
        await eventually(lambda: consumer.status() == "ok", timeout=5, what="reported ok again")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert consumer.lag == 0


async def test_an_idle_consumer_with_nothing_to_read_is_not_stalled(harness):
    bus = InProcessTransport()
    consumer = harness.consumer(bus, stall_after=0.1, poll_timeout=0.05)

    task = asyncio.create_task(consumer.run())
    try:
        await consumer.started.wait()
        await asyncio.sleep(0.4)
        assert consumer.status() == "ok"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_one_partition_failing_for_long_makes_the_consumer_stalled_although_other_topics_flow(harness):
    bus = InProcessTransport()
    broken = {"c-stuck"}
    consumer = harness.consumer(
        bus,
        topics=[Topics.REGISTRY, OTHER_TOPIC],
        handler=flaky_counter(harness, broken),
        stall_after=0.3,
        max_backoff=0.05,
    )
    await bus.send([record_of(registered("c-stuck"))])

    async def keep_flowing() -> None:
        for n in range(1000):
            await bus.send([record_of(registered(f"c-ok-{n}"), topic=OTHER_TOPIC)])
            await asyncio.sleep(0.02)

    task, traffic = asyncio.create_task(consumer.run()), asyncio.create_task(keep_flowing())
    try:
        await eventually(lambda: consumer.status() == "stalled", timeout=5, what="reported stalled")
        assert (await harness.counts()).get("c-ok-3") == 1, "the other topic flowed meanwhile"
        broken.clear()
        await eventually(lambda: consumer.status() == "ok", timeout=5, what="reported ok again")
    finally:
        for running in (task, traffic):
            running.cancel()
        await asyncio.gather(task, traffic, return_exceptions=True)


async def test_service_readiness_lists_each_consumer_loop_by_name(database_url):
    metadata = MetaData()
    definition = ServiceDefinition(
        name="plumbing",
        metadata=metadata,
        tables=define_messaging_tables(metadata),
        migrations_dir=Path("unused"),
        subscriptions=(Subscription("tally", (Topics.REGISTRY,)), Subscription("audit", (Topics.REGISTRY,))),
    )
    runtime = ServiceRuntime(
        definition, ServiceSettings(database_url=await database_url("readiness")), transport=InProcessTransport()
    )
    try:
        checks = await runtime.readiness()
    finally:
        await runtime.engine.dispose()

    assert checks == {"database": "ok", "bus": "ok", "consumer:tally": "ok", "consumer:audit": "ok"}
