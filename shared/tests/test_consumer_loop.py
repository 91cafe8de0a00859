"""The consumer loop on the in-process bus: idempotence, dead letters, retries, isolation of a bad event."""

import asyncio

from kam_shared.events.catalog import Topics
from kam_shared.messaging.inprocess import InProcessTransport
from kam_shared.messaging.transport import OutgoingRecord
from kam_shared.testing import eventually

from .conftest import record_of, registered  # noqa: TID252


async def test_the_same_event_delivered_twice_changes_state_once(harness):
    bus = InProcessTransport()
    consumer = harness.consumer(bus)
    record = record_of(registered("c-1"), event_id="event-1")
    await bus.send([record, record])
    await consumer.process(bus.records(Topics.REGISTRY))
    # And once more, as a redelivery after a crash before the offset commit.
    await consumer.process(bus.records(Topics.REGISTRY))

    assert await harness.counts() == {"c-1": 1}
    assert harness.metrics.events_duplicate.labels("tally")._value.get() == 3


async def test_an_unparseable_message_goes_to_the_dead_letter_topic_and_the_next_one_is_processed(harness):
    bus = InProcessTransport()
    consumer = harness.consumer(bus)
    garbage = OutgoingRecord(
        topic=Topics.REGISTRY, key=b"k", value=b"\x00not json", headers=(("ce_type", b"customer.registered"),)
    )
    await bus.send([garbage, record_of(registered("c-2"))])

    async def both_committed() -> bool:
        return bus.committed("tally", Topics.REGISTRY) == 2

    task = asyncio.create_task(consumer.run())
    try:
        await eventually(both_committed, timeout=5, what="both records committed")
    finally:
        task.cancel()

    assert await harness.counts() == {"c-2": 1}
    letters = bus.records(Topics.dead_letter(Topics.REGISTRY))
    assert len(letters) == 1
    assert letters[0].value == b"\x00not json"
    headers = dict(letters[0].headers)
    assert headers["kam_dlq_reason"] == b"unparseable-data"
    assert headers["kam_dlq_consumer"] == b"tally"
    assert headers["kam_dlq_offset"] == b"0"


async def test_an_event_the_handler_rejects_is_dead_lettered_without_holding_back_its_batch(harness):
    bus = InProcessTransport()
    consumer = harness.consumer(bus)
    await bus.send(
        [record_of(registered("c-1")), record_of(registered("c-bad", "reject me")), record_of(registered("c-3"))]
    )

    await consumer.process(bus.records(Topics.REGISTRY))

    assert await harness.counts() == {"c-1": 1, "c-3": 1}
    letters = bus.records(Topics.dead_letter(Topics.REGISTRY))
    assert [dict(letter.headers)[b"kam_dlq_reason".decode()] for letter in letters] == [b"handler-rejected"]


async def test_a_transient_failure_is_retried_until_the_batch_applies(harness):
    bus = InProcessTransport()
    consumer = harness.consumer(bus)
    await bus.send([record_of(registered("c-1"))])
    failures = {"left": 2}
    original = consumer._claim

    async def flaky_claim(session, deliveries):
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionError("database went away")
        return await original(session, deliveries)

    consumer._claim = flaky_claim
    await consumer.process(bus.records(Topics.REGISTRY))

    assert await harness.counts() == {"c-1": 1}
    assert harness.metrics.consumer_retries.labels("tally")._value.get() == 2
    assert bus.records(Topics.dead_letter(Topics.REGISTRY)) == []


async def test_events_of_types_the_consumer_does_not_handle_are_passed_over(harness):
    from datetime import date

    from kam_shared.events.catalog import BillingAccountLinked

    from .conftest import NOW  # noqa: TID252

    bus = InProcessTransport()
    consumer = harness.consumer(bus)
    linked = BillingAccountLinked(customer_id="c-1", account_no="A", effective_from=date(2026, 1, 1), linked_at=NOW)
    await bus.send([record_of(linked), record_of(registered("c-1"))])

    await consumer.process(bus.records(Topics.REGISTRY))

    assert await harness.counts() == {"c-1": 1}
    assert bus.records(Topics.dead_letter(Topics.REGISTRY)) == []


async def test_a_value_the_database_refuses_is_dead_lettered_instead_of_retried_forever(harness):
    import pytest

    if harness.engine.dialect.name != "postgresql":
        pytest.skip("SQLite stores over-long strings; PostgreSQL refuses them")
    bus = InProcessTransport()
    consumer = harness.consumer(bus)
    await bus.send([record_of(registered("c-1")), record_of(registered("x" * 150)), record_of(registered("c-3"))])

    await consumer.process(bus.records(Topics.REGISTRY))

    assert await harness.counts() == {"c-1": 1, "c-3": 1}
    [letter] = bus.records(Topics.dead_letter(Topics.REGISTRY))
    assert dict(letter.headers)["kam_dlq_reason"] == b"unstorable-data"
    assert harness.metrics.consumer_retries.labels("tally")._value.get() == 0
