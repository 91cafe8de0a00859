"""Forward compatibility: a consumer passes over types it does not handle and reads newer minors of those it does."""

import json
from dataclasses import replace

from kam_shared.events.catalog import Topics
from kam_shared.messaging.inprocess import InProcessTransport
from kam_shared.messaging.transport import OutgoingRecord

from .conftest import record_of, registered  # noqa: TID252


def with_headers(record: OutgoingRecord, **changes: bytes) -> OutgoingRecord:
    headers = dict(record.headers) | changes
    return replace(record, headers=tuple(headers.items()))


def letters(bus: InProcessTransport) -> list[tuple[bytes, bytes]]:
    return [
        (dict(letter.headers)["kam_dlq_reason"], dict(letter.headers)["kam_dlq_detail"])
        for letter in bus.records(Topics.dead_letter(Topics.REGISTRY))
    ]


async def test_a_type_the_consumer_does_not_handle_is_passed_over_and_counted_without_reading_its_data(harness):
    bus = InProcessTransport()
    consumer = harness.consumer(bus)
    # A producer deployed first with a type this consumer's catalog has never heard of, and data it could not parse.
    renamed = with_headers(record_of(registered("c-1")), ce_type=b"customer.renamed", ce_schemaversion=b"7")
    await bus.send([replace(renamed, value=b"{not even json"), record_of(registered("c-2"))])

    await consumer.process(bus.records(Topics.REGISTRY))

    assert letters(bus) == []
    assert await harness.counts() == {"c-2": 1}
    assert harness.metrics.events_skipped.labels("tally", "customer.renamed")._value.get() == 1


async def test_a_newer_minor_version_of_a_handled_type_is_applied_and_its_new_fields_are_ignored(harness):
    bus = InProcessTransport()
    consumer = harness.consumer(bus)
    record = with_headers(record_of(registered("c-1")), ce_schemaversion=b"1.4")
    data = json.loads(record.value) | {"loyalty_colour": "teal"}
    await bus.send([replace(record, value=json.dumps(data).encode())])

    await consumer.process(bus.records(Topics.REGISTRY))

    assert letters(bus) == []
    assert await harness.counts() == {"c-1": 1}


async def test_a_newer_major_version_of_a_handled_type_is_dead_lettered_as_unsupported(harness):
    bus = InProcessTransport()
    consumer = harness.consumer(bus)
    await bus.send([with_headers(record_of(registered("c-1")), ce_schemaversion=b"2.0"), record_of(registered("c-2"))])

    await consumer.process(bus.records(Topics.REGISTRY))

    assert letters(bus) == [(b"unsupported-schema-version", b"customer.registered v2.0")]
    assert await harness.counts() == {"c-2": 1}
