"""Billing that contradicts what tiering holds is refused, on REST (in `rejected`) and on the bus (dead-lettered):
a billing id re-sent with other content, and an account named with a customer that does not hold it."""

from datetime import date

import pytest

from kam_shared.events.catalog import Topics

from .conftest import billing, linked, posted, registered, yuan  # noqa: TID252


@pytest.fixture(autouse=True)
async def customers_and_account(bus) -> None:
    """C-1 holds MS-0001 since 1 January 2026; C-2 is registered too."""
    await bus.publish(registered("C-1"), registered("C-2"), linked("C-1", "MS-0001", date(2026, 1, 1)))
    await bus.settled()


def dead_letters(bus) -> list[dict]:
    return [dict(letter.headers) for letter in bus.transport.records(Topics.dead_letter(Topics.BILLING))]


class TestABillingIdResentWithOtherContent:
    async def test_is_rejected_as_a_conflict_over_rest_and_the_first_version_stands(self, post_billing, revenue_of):
        await post_billing(billing("B-1", amount_minor=yuan("100.00")))

        result = await post_billing(billing("B-1", amount_minor=yuan("900.00")))

        assert (result["accepted"], result["duplicates"]) == (0, 0)
        [rejection] = result["rejected"]
        assert (rejection["index"], rejection["billing_id"]) == (0, "B-1")
        assert rejection["reason"].startswith("conflict: billing_id B-1 was accepted before with other content")
        assert await revenue_of("C-1") == {"2026-11": yuan("100.00")}

    async def test_with_the_same_content_is_a_duplicate(self, post_billing):
        await post_billing(billing("B-1"))

        assert await post_billing(billing("B-1")) == {"accepted": 0, "duplicates": 1, "rejected": []}

    async def test_twice_in_one_request_keeps_the_first_and_rejects_the_second(self, post_billing, revenue_of):
        result = await post_billing(
            billing("B-1", amount_minor=yuan("1.00")), billing("B-1", amount_minor=yuan("2.00"))
        )

        assert (result["accepted"], result["duplicates"]) == (1, 0)
        assert [(rejection["index"], rejection["reason"][:9]) for rejection in result["rejected"]] == [(1, "conflict:")]
        assert await revenue_of("C-1") == {"2026-11": yuan("1.00")}

    async def test_first_seen_on_the_bus_is_a_conflict_over_rest(self, bus, post_billing, revenue_of):
        await bus.publish(posted("B-1", amount_minor=yuan("100.00")))
        await bus.settled()

        result = await post_billing(billing("B-1", amount_minor=yuan("100.01")))

        assert result["rejected"][0]["reason"].startswith("conflict:")
        assert await revenue_of("C-1") == {"2026-11": yuan("100.00")}

    async def test_on_the_bus_is_dead_lettered_and_counted_once(self, bus, post_billing, revenue_of):
        await post_billing(billing("B-1", amount_minor=yuan("100.00")))

        await bus.publish(posted("B-1", amount_minor=yuan("500.00")))
        await bus.settled()

        [letter] = dead_letters(bus)
        assert letter["kam_dlq_reason"] == b"handler-rejected"
        assert b"conflict: billing_id B-1 was accepted before with other content" in letter["kam_dlq_detail"]
        assert await revenue_of("C-1") == {"2026-11": yuan("100.00")}

    async def test_twice_in_one_bus_batch_applies_the_first_and_dead_letters_the_second(self, bus, revenue_of):
        await bus.publish(posted("B-1", amount_minor=yuan("100.00")), posted("B-1", amount_minor=yuan("500.00")))
        await bus.settled()

        [letter] = dead_letters(bus)
        assert b"conflict" in letter["kam_dlq_detail"]
        assert await revenue_of("C-1") == {"2026-11": yuan("100.00")}


class TestAnAccountNamedWithAnotherCustomer:
    async def test_is_rejected_over_rest(self, client, post_billing, revenue_of):
        result = await post_billing(
            billing("B-1", customer_id="C-2", amount_minor=yuan("70.00")),
            billing("B-2", customer_id="C-1", amount_minor=yuan("30.00")),
        )

        assert (result["accepted"], result["duplicates"]) == (1, 0)
        [rejection] = result["rejected"]
        assert (rejection["index"], rejection["billing_id"]) == (0, "B-1")
        assert rejection["reason"] == ("customer_id: account MS-0001 is held by customer C-1 on 2026-11-10, not by C-2")
        assert await revenue_of("C-1") == {"2026-11": yuan("30.00")}
        assert await revenue_of("C-2") == {}

    async def test_is_dead_lettered_from_the_bus(self, bus, revenue_of):
        await bus.publish(posted("B-1", customer_id="C-2"), posted("B-2", customer_id="C-1"))
        await bus.settled()

        [letter] = dead_letters(bus)
        assert b"account MS-0001 is held by customer C-1" in letter["kam_dlq_detail"]
        assert await revenue_of("C-1") == {"2026-11": yuan("100.00")}
        assert await revenue_of("C-2") == {}

    async def test_before_the_account_was_held_the_named_customer_is_believed(self, post_billing, revenue_of):
        result = await post_billing(billing("B-1", customer_id="C-2", posted_on="2025-12-31"))

        assert result["accepted"] == 1
        assert await revenue_of("C-2") == {"2025-12": yuan("100.00")}
