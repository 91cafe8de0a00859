import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import MetaData

from kam_shared.clock import FixedClock
from kam_shared.events.catalog import BillingPosted, CustomerRegistered
from kam_shared.events.envelope import Envelope, PoisonMessage, decode, encode, event_type_of
from kam_shared.messaging.outbox import Outbox
from kam_shared.messaging.tables import define_messaging_tables

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


def posted(**changes) -> BillingPosted:
    fields = dict(
        billing_id="b-1",
        account_no="M-1",
        amount_minor=12_345,
        currency="CNY",
        business_line="parcels",
        items=3,
        posted_on=date(2026, 11, 1),
    )
    return BillingPosted(**(fields | changes))


def test_an_event_survives_the_round_trip_through_kafka_binary_mode():
    envelope = Envelope.wrap(posted(customer_id="c-1"), source="/kam/tiering", time=NOW)
    wire = encode(envelope)

    decoded = decode(wire.value, wire.headers)

    assert decoded == envelope
    assert wire.key == b"c-1"
    headers = dict(wire.headers)
    assert headers["ce_type"] == b"billing.posted"
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_subject"] == b"c-1"
    assert headers["content-type"] == b"application/json"


def test_an_event_with_only_an_account_is_keyed_by_the_account():
    wire = encode(Envelope.wrap(posted(), source="/partner", time=NOW))
    assert wire.key == b"account:M-1"


def test_a_structured_mode_event_from_a_partner_is_accepted():
    document = {
        "specversion": "1.0",
        "id": "p-1",
        "source": "/partner/erp",
        "type": "billing.posted",
        "time": "2026-11-20T04:00:00Z",
        "data": json.loads(posted().model_dump_json()),
    }
    decoded = decode(json.dumps(document).encode(), [("content-type", b"application/cloudevents+json")])
    assert decoded.id == "p-1"
    assert decoded.data == posted()


@pytest.mark.parametrize(
    ("value", "headers", "reason"),
    [
        (b"{not json", None, "unparseable-data"),
        (b"{}", None, "invalid-data"),
        (b"{}", {"ce_type": b"customer.exploded"}, "unknown-type"),
        (b"{}", {"ce_schemaversion": b"2"}, "unsupported-schema-version"),
        (b"{}", {"ce_time": b"yesterday"}, "bad-attribute"),
        (b"{}", {"ce_time": b"2026-11-20T04:00:00"}, "bad-attribute"),
        (b"{}", {"ce_specversion": b"0.3"}, "unsupported-specversion"),
        (b"{}", {"ce_id": None}, "missing-attribute"),
        (None, None, "empty-value"),
    ],
)
def test_a_message_that_cannot_be_used_is_poison_with_a_reason(value, headers, reason):
    base = {
        "ce_specversion": b"1.0",
        "ce_id": b"e-1",
        "ce_source": b"/t",
        "ce_type": b"customer.registered",
        "ce_time": b"2026-11-20T04:00:00+00:00",
    }
    merged = {name: raw for name, raw in (base | (headers or {})).items() if raw is not None}
    with pytest.raises(PoisonMessage) as caught:
        decode(value, list(merged.items()))
    assert caught.value.reason == reason


def test_an_event_time_must_carry_its_zone():
    event = CustomerRegistered(customer_id="c", full_name="x", branch="b", registered_at=NOW)
    with pytest.raises(ValueError):
        Envelope.wrap(event, source="/t", time=datetime(2026, 1, 1))


@pytest.mark.parametrize("version", [None, b"1", b"1.0", b"1.12"])
def test_any_minor_of_a_known_major_schema_version_is_readable(version):
    wire = encode(Envelope.wrap(posted(), source="/t", time=NOW))
    headers = [(name, version if name == "ce_schemaversion" else raw) for name, raw in wire.headers]
    headers = [(name, raw) for name, raw in headers if raw is not None]

    assert decode(wire.value, headers).data == posted()


@pytest.mark.parametrize(
    ("version", "reason"),
    [
        (b"2", "unsupported-schema-version"),
        (b"2.0", "unsupported-schema-version"),
        (b"0.9", "unsupported-schema-version"),
        (b"1.x", "bad-attribute"),
        (b"v1", "bad-attribute"),
        (b"1.0.1", "bad-attribute"),
    ],
)
def test_a_newer_major_or_a_malformed_schema_version_is_poison(version, reason):
    wire = encode(Envelope.wrap(posted(), source="/t", time=NOW))
    headers = [(name, version if name == "ce_schemaversion" else raw) for name, raw in wire.headers]
    with pytest.raises(PoisonMessage) as caught:
        decode(wire.value, headers)
    assert caught.value.reason == reason


def test_the_declared_type_is_read_from_either_binding_without_validating_the_data():
    assert event_type_of(b"{broken", [("ce_type", b"customer.renamed")]) == "customer.renamed"
    structured = json.dumps({"type": "customer.renamed", "data": "anything"}).encode()
    assert event_type_of(structured, [("content-type", b"application/cloudevents+json")]) == "customer.renamed"
    assert event_type_of(b"{}", [("ce_id", b"e-1")]) is None


def test_an_outbox_row_holds_exactly_the_key_headers_and_payload_the_kafka_binding_sends():
    clock = FixedClock(datetime(2026, 11, 20, 12, 0, tzinfo=timezone(timedelta(hours=8))))
    outbox = Outbox(define_messaging_tables(MetaData()).outbox, source="/kam/test", clock=clock)
    event = CustomerRegistered(customer_id="c-1", full_name="Amoy Freight", branch="XM01", registered_at=clock.now())
    (row,) = outbox.rows([event])
    envelope = Envelope(
        id=row["event_id"],
        type=event.TYPE,
        source="/kam/test",
        time=clock.now().astimezone(UTC),
        subject="c-1",
        schemaversion=event.SCHEMA_VERSION,
        data=event,
    )
    wire = encode(envelope)
    assert row["message_key"] == wire.key
    assert row["payload"] == wire.value
    assert [(name, value.encode()) for name, value in row["headers"]] == list(wire.headers)
