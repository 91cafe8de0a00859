"""billing.posted read straight from the billing topic: events tiering cannot use go to the dead-letter topic."""

from kam_shared.events.catalog import Topics
from kam_shared.messaging.transport import OutgoingRecord

from .conftest import billing, posted, yuan  # noqa: TID252


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

    async def test_two_events_with_the_same_billing_id_count_once(self, bus, revenue_of):
        await bus.publish(posted("B-1", customer_id="C-1", account_no=None))
        await bus.settled()

        await bus.publish(posted("B-1", customer_id="C-1", account_no=None, amount_minor=yuan("500.00")))
        await bus.settled()

        assert await revenue_of("C-1") == {"2026-11": yuan("100.00")}

    async def test_two_events_with_the_same_billing_id_in_one_batch_count_once(self, bus, revenue_of):
        charge = posted("B-1", customer_id="C-1", account_no=None)

        await bus.publish(charge, charge)
        await bus.settled()

        assert await revenue_of("C-1") == {"2026-11": yuan("100.00")}
