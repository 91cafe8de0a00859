"""Billing naming a customer the registry never announced waits, visible: no tier, no tier.changed, no
revenue.updated for a phantom id. It counts once customer.registered arrives."""

from datetime import date

from kam_shared.events.catalog import RevenueUpdated, TierChanged

from .conftest import billing, linked, posted, registered, yuan  # noqa: TID252


def phantom_charge(billing_id: str, amount: str, **fields) -> dict:
    return billing(billing_id, customer_id="C-ghost", account_no=None, amount_minor=yuan(amount), **fields)


async def waiting(client) -> list[dict]:
    response = await client.get("/v1/billing/waiting")
    assert response.status_code == 200, response.text
    return response.json()


async def events_about(bus, customer_id: str) -> list[str]:
    return [
        envelope.type
        for event_type in (TierChanged.TYPE, RevenueUpdated.TYPE)
        for envelope in await bus.published(event_type)
        if envelope.data.customer_id == customer_id
    ]


class TestBeforeTheRegistryAnnouncesTheCustomer:
    async def test_billing_for_it_is_taken_in_but_decides_no_tier_and_announces_nothing(
        self, client, bus, post_billing
    ):
        result = await post_billing(phantom_charge("B-1", "6,000,000.00"))

        assert result == {"accepted": 1, "duplicates": 0, "rejected": []}
        assert (await client.get("/v1/customers/C-ghost/tier")).status_code == 404
        assert (await client.get("/v1/customers/C-ghost/revenue")).status_code == 404
        assert await events_about(bus, "C-ghost") == []

    async def test_its_billing_is_listed_as_waiting_for_the_customer(self, client, post_billing):
        await post_billing(phantom_charge("B-1", "300.00", posted_on="2026-10-05"), phantom_charge("B-2", "200.00"))

        assert await waiting(client) == [
            {
                "reason": "customer-not-registered",
                "account_no": None,
                "customer_id": "C-ghost",
                "lines": 2,
                "amount_minor": yuan("500.00"),
                "currency": "CNY",
                "first_posted_on": "2026-10-05",
                "last_posted_on": "2026-11-10",
            }
        ]

    async def test_billing_from_the_bus_for_it_waits_too(self, client, bus):
        await bus.publish(posted("B-1", customer_id="C-ghost", account_no=None, amount_minor=yuan("6,000,000.00")))
        await bus.settled()

        assert (await client.get("/v1/customers/C-ghost/tier")).status_code == 404
        assert await events_about(bus, "C-ghost") == []
        assert [group["reason"] for group in await waiting(client)] == ["customer-not-registered"]


class TestOnceTheRegistryAnnouncesIt:
    async def test_the_waiting_billing_counts_and_decides_its_tier(
        self, client, bus, post_billing, revenue_of, tier_of
    ):
        await post_billing(
            phantom_charge("B-1", "300,000.00", posted_on="2026-10-05"), phantom_charge("B-2", "300,000.00")
        )

        await bus.publish(registered("C-ghost"))
        await bus.settled()

        assert await revenue_of("C-ghost") == {"2026-10": yuan("300,000.00"), "2026-11": yuan("300,000.00")}
        assert (await tier_of("C-ghost"))["tier"] == "gold"
        [change] = [envelope.data for envelope in await bus.published(TierChanged.TYPE)]
        assert (change.customer_id, change.new_tier) == ("C-ghost", "gold")
        assert await waiting(client) == []

    async def test_a_waiting_correction_of_its_billing_counts_with_it(self, bus, post_billing, revenue_of):
        await post_billing(
            phantom_charge("B-1", "300.00"), phantom_charge("B-1-fix", "-100.00", corrects_billing_id="B-1")
        )

        await bus.publish(registered("C-ghost"))
        await bus.settled()

        assert await revenue_of("C-ghost") == {"2026-11": yuan("200.00")}

    async def test_a_link_of_an_account_to_it_is_the_registrys_word_too(self, bus, post_billing, revenue_of):
        await post_billing(phantom_charge("B-1", "300.00"))

        await bus.publish(linked("C-ghost", "MS-0007", date(2026, 1, 1)))
        await bus.settled()

        assert await revenue_of("C-ghost") == {"2026-11": yuan("300.00")}

    async def test_billing_after_the_announcement_counts_at_once(self, bus, post_billing, revenue_of):
        await bus.publish(registered("C-1"))
        await bus.settled()

        await post_billing(billing("B-1", customer_id="C-1", account_no=None))

        assert await revenue_of("C-1") == {"2026-11": yuan("100.00")}
