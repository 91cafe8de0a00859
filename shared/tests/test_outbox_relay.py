"""The relay publishes outbox rows in order and marks them sent only once the broker has acknowledged them."""

import asyncio
from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy import select

from kam_shared.events.catalog import Topics
from kam_shared.messaging.inprocess import InProcessTransport
from kam_shared.messaging.outbox import LocalLease, OutboxRelay
from kam_shared.messaging.transport import OutgoingRecord, TransportError
from kam_shared.testing import eventually

from .conftest import pump, registered  # noqa: TID252


class FlakyTransport(InProcessTransport):
    """An in-process bus that can be told to be down, or to acknowledge only some records."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.acknowledge_at_most: int | None = None

    async def send(self, records: Sequence[OutgoingRecord]) -> int:
        if self.down:
            raise TransportError("broker unreachable")
        if self.acknowledge_at_most is not None:
            records = records[: self.acknowledge_at_most]
        return await super().send(records)


def relay_for(harness, transport) -> OutboxRelay:
    return OutboxRelay(
        engine=harness.engine,
        table=harness.tables.outbox,
        transport=transport,
        clock=harness.clock,
        metrics=harness.metrics,
        lease=LocalLease(),
        batch_size=100,
        poll_interval=0.05,
        max_backoff=0.1,
    )


async def write_events(harness, *customer_ids: str) -> None:
    async with harness.sessions() as session, session.begin():
        await harness.outbox.add(session, [registered(customer_id) for customer_id in customer_ids])


async def unsent(harness) -> int:
    outbox = harness.tables.outbox
    async with harness.sessions() as session:
        return len((await session.execute(select(outbox.c.id).where(outbox.c.sent_at.is_(None)))).all())


async def test_a_relay_that_cannot_reach_the_broker_keeps_the_rows_and_sends_them_later(harness):
    bus = FlakyTransport()
    bus.down = True
    await write_events(harness, "c-1", "c-2")
    relay = relay_for(harness, bus)

    async def both_sent() -> bool:
        # Published and marked sent: cancelling between the two would leave them to be sent again.
        return len(bus.records(Topics.REGISTRY)) == 2 and await unsent(harness) == 0

    task = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: harness.metrics.outbox_failures._value.get() >= 2, what="two failed attempts")
        assert await unsent(harness) == 2
        outbox = harness.tables.outbox
        async with harness.sessions() as session:
            attempts = (
                await session.execute(select(outbox.c.attempts, outbox.c.last_error).order_by(outbox.c.id))
            ).first()
        assert attempts.attempts >= 1 and "unreachable" in attempts.last_error

        bus.down = False
        await eventually(both_sent, timeout=5, what="both rows sent")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert await unsent(harness) == 0
    assert [record.key for record in bus.records(Topics.REGISTRY)] == [b"c-1", b"c-2"]


async def test_only_the_acknowledged_rows_are_marked_sent(harness):
    bus = FlakyTransport()
    bus.acknowledge_at_most = 1
    await write_events(harness, "c-1", "c-2", "c-3")
    relay = relay_for(harness, bus)

    with pytest.raises(TransportError, match="acknowledged 1 of 3"):
        await pump(relay)

    assert await unsent(harness) == 2
    bus.acknowledge_at_most = None
    assert await pump(relay) == 2
    assert [record.key for record in bus.records(Topics.REGISTRY)] == [b"c-1", b"c-2", b"c-3"]


async def test_a_wake_up_publishes_without_waiting_for_the_poll_interval(harness):
    bus = FlakyTransport()
    relay = relay_for(harness, bus)
    relay._poll_interval = 30

    async def sent() -> bool:
        return len(bus.records(Topics.REGISTRY)) == 1

    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.05)
        await write_events(harness, "c-9")
        relay.wake()
        # Well inside the 30 s poll interval: only the wake-up can explain it.
        await eventually(sent, timeout=5, what="the row sent")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_after_a_restart_the_in_process_bus_gets_again_what_it_had_and_consumers_apply_it_once(harness):
    before = InProcessTransport()
    await write_events(harness, "c-1", "c-2")
    assert await pump(relay_for(harness, before)) == 2
    consumer = harness.consumer(before)
    await consumer.process(before.records(Topics.REGISTRY)[:1])  # c-1 applied, c-2 delivered but not applied

    after = InProcessTransport()  # the process restarted: the bus is empty again
    assert await relay_for(harness, after).republish_sent() == 2
    await harness.consumer(after).process(after.records(Topics.REGISTRY))

    assert await harness.counts() == {"c-1": 1, "c-2": 1}
    assert await unsent(harness) == 0


def pending_gauge(harness) -> float | None:
    return harness.metrics.registry.get_sample_value("kam_outbox_pending")


async def test_the_pending_gauge_counts_the_unsent_rows_while_the_broker_is_down(harness):
    bus = FlakyTransport()
    bus.down = True
    await write_events(harness, *(f"c-{n}" for n in range(250)))
    relay = relay_for(harness, bus)

    for _ in range(2):
        with pytest.raises(TransportError):
            await pump(relay)

    assert pending_gauge(harness) == 250


async def test_the_pending_gauge_falls_to_zero_as_a_backlog_larger_than_a_batch_drains(harness):
    await write_events(harness, *(f"c-{n}" for n in range(250)))
    relay = relay_for(harness, FlakyTransport())

    readings = []
    while await pump(relay):
        readings.append(pending_gauge(harness))

    assert readings == [150, 50, 0]


async def test_after_a_restart_only_rows_sent_within_the_window_go_to_the_in_process_bus_again(harness):
    await write_events(harness, "c-old")
    assert await pump(relay_for(harness, InProcessTransport())) == 1
    harness.clock.advance(timedelta(hours=25))
    await write_events(harness, "c-new")
    assert await pump(relay_for(harness, InProcessTransport())) == 1

    after = InProcessTransport()
    assert await relay_for(harness, after).republish_sent(window=timedelta(hours=24)) == 1
    assert [record.key for record in after.records(Topics.REGISTRY)] == [b"c-new"]


async def test_after_a_restart_at_most_the_latest_rows_go_to_the_in_process_bus_again_oldest_first(harness):
    await write_events(harness, *(f"c-{n}" for n in range(250)))
    assert await pump(relay_for(harness, InProcessTransport())) == 100
    while await pump(relay_for(harness, InProcessTransport())):
        pass

    after = InProcessTransport()
    assert await relay_for(harness, after).republish_sent(at_most=120) == 120
    assert [record.key for record in after.records(Topics.REGISTRY)] == [f"c-{n}".encode() for n in range(130, 250)]
