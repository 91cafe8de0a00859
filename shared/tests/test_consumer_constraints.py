"""Constraint violations: retried while a retry may cure them, dead-lettered once one event keeps causing one."""

from collections.abc import Sequence

from sqlalchemy import insert, select

from kam_shared.events.catalog import Topics
from kam_shared.events.envelope import Envelope
from kam_shared.messaging.consumer import HandlerContext
from kam_shared.messaging.inprocess import InProcessTransport

from .conftest import record_of, registered  # noqa: TID252


def reasons(bus: InProcessTransport) -> list[bytes]:
    return [dict(letter.headers)["kam_dlq_reason"] for letter in bus.records(Topics.dead_letter(Topics.REGISTRY))]


async def test_an_event_that_violates_the_same_constraint_every_time_is_dead_lettered_after_the_set_attempts(harness):
    tally = harness.tally

    async def insert_new(ctx: HandlerContext, envelopes: Sequence[Envelope]) -> None:
        # A plain insert: the handler's own rule says each customer is counted once.
        await ctx.session.execute(insert(tally), [{"name": e.data.customer_id, "count": 1} for e in envelopes])

    async with harness.sessions() as session, session.begin():
        await session.execute(insert(tally), [{"name": "c-dup", "count": 7}])
    bus = InProcessTransport()
    consumer = harness.consumer(bus, handler=insert_new, constraint_retries=3, max_backoff=0.01)
    await bus.send([record_of(registered("c-1")), record_of(registered("c-dup")), record_of(registered("c-3"))])

    await consumer.process(bus.records(Topics.REGISTRY))

    assert reasons(bus) == [b"constraint-violation"]
    assert await harness.counts() == {"c-1": 1, "c-dup": 7, "c-3": 1}
    # Three attempts of the lone event: the first two were retried, the third dead-lettered.
    assert harness.metrics.consumer_retries.labels("tally")._value.get() == 2
    assert harness.metrics.dead_letters.labels("tally", "constraint-violation")._value.get() == 1


async def test_a_concurrent_inbox_insert_is_a_constraint_violation_that_a_retry_resolves(harness):
    bus = InProcessTransport()
    consumer = harness.consumer(bus, constraint_retries=2, max_backoff=0.01)
    await bus.send([record_of(registered("c-1"), event_id="event-1")])
    inbox, original, raced = harness.tables.inbox, consumer._claim, []

    async def racing_claim(session, deliveries):
        if not raced:
            raced.append(True)
            # Another replica records the same event between our look into the inbox and our insert.
            async with harness.sessions() as other, other.begin():
                await original(other, deliveries)
            await session.execute(insert(inbox).from_select(list(inbox.c.keys()), select(inbox)))
        return await original(session, deliveries)

    consumer._claim = racing_claim
    await consumer.process(bus.records(Topics.REGISTRY))

    assert reasons(bus) == []
    assert harness.metrics.consumer_retries.labels("tally")._value.get() == 1
    assert harness.metrics.events_duplicate.labels("tally")._value.get() == 1
