"""The inbox knows an event by its CloudEvents source and id together, as the spec makes them unique."""

from sqlalchemy import insert

from kam_shared.events.catalog import Topics
from kam_shared.events.envelope import Envelope, encode
from kam_shared.messaging.inprocess import InProcessTransport
from kam_shared.messaging.tables import LEGACY_SOURCE
from kam_shared.messaging.transport import OutgoingRecord

from .conftest import NOW, registered  # noqa: TID252


def from_source(source: str, event_id: str, customer_id: str) -> OutgoingRecord:
    wire = encode(Envelope.wrap(registered(customer_id), source=source, time=NOW, id=event_id))
    return OutgoingRecord(topic=Topics.REGISTRY, key=wire.key, value=wire.value, headers=wire.headers)


async def test_two_partners_reusing_one_event_id_both_have_their_events_applied(harness):
    bus = InProcessTransport()
    await bus.send([from_source("/partner/a", "evt-1", "c-a"), from_source("/partner/b", "evt-1", "c-b")])

    await harness.consumer(bus).process(bus.records(Topics.REGISTRY))

    assert await harness.counts() == {"c-a": 1, "c-b": 1}


async def test_the_same_event_from_the_same_source_is_applied_once_in_a_batch_and_across_batches(harness):
    bus = InProcessTransport()
    await bus.send([from_source("/partner/a", "evt-1", "c-a"), from_source("/partner/a", "evt-1", "c-a")])
    consumer = harness.consumer(bus)

    await consumer.process(bus.records(Topics.REGISTRY))
    await consumer.process(bus.records(Topics.REGISTRY))

    assert await harness.counts() == {"c-a": 1}


async def test_an_event_recorded_before_sources_were_kept_is_not_applied_again(harness):
    async with harness.sessions() as session, session.begin():
        await session.execute(
            insert(harness.tables.inbox),
            [
                {
                    "consumer": "tally",
                    "source": LEGACY_SOURCE,
                    "event_id": "evt-1",
                    "event_type": "customer.registered",
                    "processed_at": NOW,
                }
            ],
        )
    bus = InProcessTransport()
    await bus.send([from_source("/kam/registry", "evt-1", "c-a"), from_source("/kam/registry", "evt-2", "c-b")])

    await harness.consumer(bus).process(bus.records(Topics.REGISTRY))

    assert await harness.counts() == {"c-b": 1}
