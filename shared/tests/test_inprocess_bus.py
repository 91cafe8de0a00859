"""The in-process bus keeps what its readers still need and no more, with offsets that only ever grow."""

import tracemalloc
from dataclasses import replace
from datetime import date

from kam_shared.events.catalog import BillingPosted, Topics
from kam_shared.events.envelope import Envelope
from kam_shared.messaging.inprocess import InProcessTransport
from kam_shared.testing import outgoing

from .conftest import NOW  # noqa: TID252


def billing(*numbers: int):
    return [
        outgoing(
            Envelope.wrap(
                BillingPosted(
                    billing_id=f"B-{n}",
                    account_no="ACC-1",
                    amount_minor=100,
                    currency="CNY",
                    business_line="parcels",
                    posted_on=date(2026, 11, 1),
                ),
                source="/test",
                time=NOW,
            )
        )
        for n in numbers
    ]


async def test_twenty_thousand_events_read_and_committed_leave_the_bus_holding_nothing():
    bus = InProcessTransport()
    reader = bus.subscriber("tiering", [Topics.BILLING])
    await reader.start()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        offsets = []
        for start in range(0, 20_000, 500):
            await bus.send(billing(*range(start, start + 500)))
            records = await reader.poll(max_records=500, timeout=0.1)
            await reader.commit(records)
            offsets.extend(record.offset for record in records)
            del records
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()

    assert bus.records(Topics.BILLING) == []
    assert bus.end_offset(Topics.BILLING) == 20_000
    assert offsets == list(range(20_000))
    # Before, every record stayed: some 1.3 KB each, 26 MB in all.
    assert grown < 2_000_000


async def test_records_stay_until_every_reader_of_the_topic_has_committed_them():
    bus = InProcessTransport()
    fast, slow = bus.subscriber("fast", [Topics.BILLING]), bus.subscriber("slow", [Topics.BILLING])
    await fast.start()
    await slow.start()
    await bus.send(billing(1, 2, 3))

    await fast.commit(await fast.poll(max_records=10, timeout=0.1))
    assert len(bus.records(Topics.BILLING)) == 3

    await slow.commit(await slow.poll(max_records=2, timeout=0.1))
    assert [record.offset for record in bus.records(Topics.BILLING)] == [2]

    await bus.send(billing(4))
    assert [record.offset for record in await slow.poll(max_records=10, timeout=0.1)] == [2, 3]


async def test_a_group_announced_before_it_subscribes_still_gets_what_others_read_first():
    bus = InProcessTransport()
    bus.expect("reporting", [Topics.BILLING])
    early = bus.subscriber("tiering", [Topics.BILLING])
    await early.start()
    await bus.send(billing(1, 2))
    await early.commit(await early.poll(max_records=10, timeout=0.1))

    late = bus.subscriber("reporting", [Topics.BILLING])
    await late.start()

    assert [record.offset for record in await late.poll(max_records=10, timeout=0.1)] == [0, 1]


async def test_a_topic_keeps_at_most_its_cap_and_a_reader_behind_it_resumes_at_the_oldest_kept():
    bus = InProcessTransport(retain_at_most=3)
    reader = bus.subscriber("tiering", [Topics.BILLING])
    await reader.start()
    await bus.send(billing(*range(5)))
    await bus.send(billing(5))

    assert [record.offset for record in bus.records(Topics.BILLING)] == [3, 4, 5]
    assert [record.offset for record in await reader.poll(max_records=10, timeout=0.1)] == [3, 4, 5]


async def test_a_topic_nobody_reads_is_bounded_by_the_cap():
    bus = InProcessTransport(retain_at_most=3)
    letters = [replace(record, topic=Topics.dead_letter(Topics.BILLING)) for record in billing(*range(5))]

    await bus.send(letters)

    assert [record.offset for record in bus.records(Topics.dead_letter(Topics.BILLING))] == [2, 3, 4]
