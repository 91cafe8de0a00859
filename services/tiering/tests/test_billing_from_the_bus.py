"""billing.posted read straight from the billing topic: events tiering cannot use go to the dead-letter topic."""

import json

import pytest

from kam_shared.events.catalog import Topics
from kam_shared.messaging.transport import OutgoingRecord

from .conftest import NOW, billing, posted, registered, yuan  # noqa: TID252


@pytest.fixture(autouse=True)
async def customer_registered(bus) -> None:
    """C-1, whose billing these tests post, is a customer the registry announced."""
    await bus.publish(registered("C-1"))
    await bus.settled()


class TestDeadLetters:
    async def test_billing_in_another_currency_is_dead_lettered_and_the_next_event_still_applies(self, bus, revenue_of):
        foreign = posted("B-1", customer_id="C-1", account_no=None, currency="USD", amount_minor=yuan("999.00"))
        domestic = posted("B-2", customer_id="C-1", account_no=None, amount_minor=yuan("100.00"))

        [sent, _] = await bus.publish(foreign, domestic)
        await bus.settled()

        [letter] = bus.transport.records(Topics.dead_letter(Topics.BILLING))
        headers = dict(letter.headers)
        assert headers["kam_dlq_reason"] == b"handler-rejected"
        assert b"USD" in headers["kam_dlq_detail"]
        assert headers["kam_dlq_consumer"] == b"tiering"
        assert headers["ce_id"] == sent.id.encode()
        assert await revenue_of("C-1") == {"2026-11": yuan("100.00")}

    async def test_an_event_breaking_the_billing_rules_is_dead_lettered_before_it_reaches_the_ledger(
        self, bus, revenue_of
    ):
        from kam_shared.events.envelope import Envelope, encode

        rule_breakers = [
            {
                "billing_id": "B-none",
                "amount_minor": 500,
                "currency": "CNY",
                "business_line": "parcels",
                "posted_on": "2026-11-01",
            },
            {
                "billing_id": "B-neg",
                "customer_id": "C-1",
                "amount_minor": -500,
                "currency": "CNY",
                "business_line": "parcels",
                "posted_on": "2026-11-01",
            },
            {
                "billing_id": "B-long",
                "customer_id": "C-1",
                "amount_minor": 500,
                "currency": "CNY",
                "business_line": "x" * 60,
                "posted_on": "2026-11-01",
            },
        ]
        template = encode(Envelope.wrap(posted("B-ok", customer_id="C-1", account_no=None), source="/p", time=NOW))
        records = [
            OutgoingRecord(
                Topics.BILLING,
                b"k",
                json.dumps(data).encode(),
                tuple(
                    (name, f"id-{data['billing_id']}".encode() if name == "ce_id" else value)
                    for name, value in template.headers
                ),
            )
            for data in rule_breakers
        ]
        await bus.transport.send(records)
        await bus.publish(posted("B-ok", customer_id="C-1", account_no=None))
        await bus.settled()

        letters = bus.transport.records(Topics.dead_letter(Topics.BILLING))
        assert [dict(letter.headers)["kam_dlq_reason"] for letter in letters] == [b"invalid-data"] * 3
        assert await revenue_of("C-1") == {"2026-11": yuan("100.00")}

    async def test_a_posting_date_in_the_future_is_dead_lettered(self, bus, revenue_of):
        await bus.publish(posted("B-2031", customer_id="C-1", account_no=None, posted_on="2031-01-01"))
        await bus.publish(posted("B-ok", customer_id="C-1", account_no=None))
        await bus.settled()

        [letter] = bus.transport.records(Topics.dead_letter(Topics.BILLING))
        assert dict(letter.headers)["kam_dlq_reason"] == b"handler-rejected"
        assert b"future" in dict(letter.headers)["kam_dlq_detail"]
        assert await revenue_of("C-1") == {"2026-11": yuan("100.00")}

    async def test_a_dead_lettered_billing_id_is_not_taken_as_seen(self, bus, post_billing, revenue_of):
        await bus.publish(posted("B-1", customer_id="C-1", account_no=None, currency="USD"))
        await bus.settled()

        result = await post_billing(billing("B-1", customer_id="C-1", account_no=None))

        assert result["accepted"] == 1
        assert await revenue_of("C-1") == {"2026-11": yuan("100.00")}

    async def test_a_message_that_is_not_an_event_is_dead_lettered(self, bus, revenue_of):
        garbage = OutgoingRecord(Topics.BILLING, b"k", b"{not json", (("ce_type", b"billing.posted"),))
        await bus.transport.send([garbage])
        await bus.publish(posted("B-2", customer_id="C-1", account_no=None))
        await bus.settled()

        [letter] = bus.transport.records(Topics.dead_letter(Topics.BILLING))
        assert dict(letter.headers)["kam_dlq_reason"] == b"unparseable-data"
        assert await revenue_of("C-1") == {"2026-11": yuan("100.00")}


class TestDuplicatesOnTheBus:
    async def test_the_same_event_delivered_twice_counts_once(self, bus, revenue_of):
        [envelope] = await bus.publish(posted("B-1", customer_id="C-1", account_no=None))

        await bus.publish(envelope)
        await bus.settled()

        assert await revenue_of("C-1") == {"2026-11": yuan("100.00")}

    async def test_two_events_with_the_same_billing_id_and_content_count_once(self, bus, revenue_of):
        await bus.publish(posted("B-1", customer_id="C-1", account_no=None))
        await bus.settled()

        await bus.publish(posted("B-1", customer_id="C-1", account_no=None))
        await bus.settled()

        assert await revenue_of("C-1") == {"2026-11": yuan("100.00")}
        assert bus.transport.records(Topics.dead_letter(Topics.BILLING)) == []

    async def test_two_events_with_the_same_billing_id_in_one_batch_count_once(self, bus, revenue_of):
        charge = posted("B-1", customer_id="C-1", account_no=None)

        await bus.publish(charge, charge)
        await bus.settled()

        assert await revenue_of("C-1") == {"2026-11": yuan("100.00")}
