"""Billing posted to an account counts for the customer holding it on the posting date; unknown accounts wait."""

from datetime import date

from .conftest import billing, linked, registered, yuan  # noqa: TID252


async def waiting(client) -> list[dict]:
    response = await client.get("/v1/billing-accounts/waiting")
    assert response.status_code == 200, response.text
    return response.json()


class TestALinkedAccount:
    async def test_billing_for_a_linked_account_counts_for_its_customer(self, client, bus, post_billing, revenue_of):
        await bus.publish(registered("C-1"), linked("C-1", "MS-0001", date(2026, 1, 1)))
        await bus.settled()

        await post_billing(billing("B-1", account_no="MS-0001", amount_minor=yuan("1,234.56")))

        assert await revenue_of("C-1") == {"2026-11": yuan("1,234.56")}
        assert await waiting(client) == []

    async def test_billing_before_the_effective_date_of_the_link_does_not_count(
        self, client, bus, post_billing, revenue_of
    ):
        await bus.publish(registered("C-1"), linked("C-1", "MS-0001", date(2026, 11, 1)))
        await bus.settled()

        await post_billing(
            billing("B-1", amount_minor=yuan("10.00"), posted_on="2026-10-31"),
            billing("B-2", amount_minor=yuan("20.00"), posted_on="2026-11-01"),
        )

        assert await revenue_of("C-1") == {"2026-11": yuan("20.00")}
        assert [(account["account_no"], account["lines"]) for account in await waiting(client)] == [("MS-0001", 1)]

    async def test_after_a_move_each_holder_gets_the_billing_of_its_own_period(self, bus, post_billing, revenue_of):
        await bus.publish(
            registered("C-1"),
            registered("C-2"),
            linked("C-1", "MS-0001", date(2026, 1, 1)),
            linked("C-2", "MS-0001", date(2026, 9, 1), previous="C-1"),
        )
        await bus.settled()

        await post_billing(
            billing("B-1", amount_minor=yuan("10.00"), posted_on="2026-08-31"),
            billing("B-2", amount_minor=yuan("20.00"), posted_on="2026-09-01"),
        )

        assert await revenue_of("C-1") == {"2026-08": yuan("10.00")}
        assert await revenue_of("C-2") == {"2026-09": yuan("20.00")}

    async def test_a_move_recorded_late_hands_the_billing_after_its_date_to_the_new_holder(
        self, bus, post_billing, revenue_of
    ):
        await bus.publish(registered("C-1"), registered("C-2"), linked("C-1", "MS-0001", date(2026, 1, 1)))
        await bus.settled()
        await post_billing(
            billing("B-1", amount_minor=yuan("10.00"), posted_on="2026-08-31"),
            billing("B-2", amount_minor=yuan("20.00"), posted_on="2026-09-01"),
            billing("B-3", amount_minor=yuan("40.00"), posted_on="2026-10-15"),
        )
        assert await revenue_of("C-1") == {"2026-08": yuan("10.00"), "2026-09": yuan("20.00"), "2026-10": yuan("40.00")}

        # The registry records in November that the account moved to C-2 on 1 September.
        await bus.publish(linked("C-2", "MS-0001", date(2026, 9, 1), previous="C-1"))
        await bus.settled()

        assert await revenue_of("C-1") == {"2026-08": yuan("10.00")}
        assert await revenue_of("C-2") == {"2026-09": yuan("20.00"), "2026-10": yuan("40.00")}

    async def test_a_move_leaves_billing_the_partner_posted_against_a_named_customer_alone(
        self, bus, post_billing, revenue_of
    ):
        await bus.publish(registered("C-1"), registered("C-2"), linked("C-1", "MS-0001", date(2026, 1, 1)))
        await bus.settled()
        await post_billing(billing("B-1", customer_id="C-1", amount_minor=yuan("30.00"), posted_on="2026-10-01"))

        await bus.publish(linked("C-2", "MS-0001", date(2026, 9, 1), previous="C-1"))
        await bus.settled()

        assert await revenue_of("C-1") == {"2026-10": yuan("30.00")}
        assert await revenue_of("C-2") == {}


class TestCorrections:
    async def test_a_correction_counts_in_its_charges_month_for_the_customer_its_charge_counted_for_after_a_move(
        self, bus, post_billing, revenue_of
    ):
        await bus.publish(
            registered("C-1"),
            registered("C-2"),
            linked("C-1", "MS-0001", date(2026, 1, 1)),
            linked("C-2", "MS-0001", date(2026, 9, 1), previous="C-1"),
        )
        await bus.settled()

        await post_billing(billing("B-1", amount_minor=yuan("500.00"), posted_on="2026-08-10"))
        await post_billing(
            billing("B-1-fix", amount_minor=-yuan("200.00"), posted_on="2026-10-05", corrects_billing_id="B-1")
        )

        assert await revenue_of("C-1") == {"2026-08": yuan("300.00")}
        assert await revenue_of("C-2") == {}

    async def test_a_move_recorded_late_takes_corrections_along_with_their_charges(self, bus, post_billing, revenue_of):
        await bus.publish(registered("C-1"), registered("C-2"), linked("C-1", "MS-0001", date(2026, 1, 1)))
        await bus.settled()
        await post_billing(
            billing("B-aug", amount_minor=yuan("500.00"), posted_on="2026-08-10"),
            billing("B-sep", amount_minor=yuan("300.00"), posted_on="2026-09-15"),
        )
        await post_billing(
            billing("B-aug-fix", amount_minor=-yuan("50.00"), posted_on="2026-10-05", corrects_billing_id="B-aug"),
            billing("B-sep-fix", amount_minor=-yuan("30.00"), posted_on="2026-11-02", corrects_billing_id="B-sep"),
        )

        await bus.publish(linked("C-2", "MS-0001", date(2026, 9, 1), previous="C-1"))
        await bus.settled()

        assert await revenue_of("C-1") == {"2026-08": yuan("450.00")}
        assert await revenue_of("C-2") == {"2026-09": yuan("270.00")}


class TestAnUnknownAccount:
    async def test_billing_for_an_unknown_account_waits_and_is_listed(self, client, post_billing):
        await post_billing(
            billing("B-1", account_no="MS-0009", amount_minor=yuan("300.00"), posted_on="2026-10-05"),
            billing("B-2", account_no="MS-0009", amount_minor=yuan("200.00"), posted_on="2026-11-10"),
        )

        assert await waiting(client) == [
            {
                "account_no": "MS-0009",
                "lines": 2,
                "amount_minor": yuan("500.00"),
                "currency": "CNY",
                "first_posted_on": "2026-10-05",
                "last_posted_on": "2026-11-10",
            }
        ]

    async def test_waiting_billing_counts_once_the_account_is_linked_from_its_effective_date(
        self, client, bus, post_billing, revenue_of
    ):
        await bus.publish(registered("C-1"))
        await post_billing(
            billing("B-1", account_no="MS-0009", amount_minor=yuan("300.00"), posted_on="2026-10-05"),
            billing("B-2", account_no="MS-0009", amount_minor=yuan("200.00"), posted_on="2026-11-10"),
        )
        assert await revenue_of("C-1") == {}

        await bus.publish(linked("C-1", "MS-0009", date(2026, 11, 1)))
        await bus.settled()

        assert await revenue_of("C-1") == {"2026-11": yuan("200.00")}
        [still_waiting] = await waiting(client)
        assert (still_waiting["lines"], still_waiting["last_posted_on"]) == (1, "2026-10-05")

    async def test_waiting_billing_is_counted_once_even_when_the_link_is_announced_twice(
        self, client, bus, post_billing, revenue_of
    ):
        await post_billing(billing("B-1", account_no="MS-0009", amount_minor=yuan("300.00")))
        link = linked("C-1", "MS-0009", date(2026, 1, 1))

        await bus.publish(registered("C-1"), link, link)
        await bus.settled()

        assert await revenue_of("C-1") == {"2026-11": yuan("300.00")}
        assert await waiting(client) == []

    async def test_a_waiting_account_that_is_linked_raises_the_tier_of_its_customer(self, bus, post_billing, tier_of):
        await bus.publish(registered("C-1"))
        await post_billing(billing("B-1", account_no="MS-0009", amount_minor=yuan("20,000.00")))
        assert (await tier_of("C-1"))["tier"] == "standard"

        await bus.publish(linked("C-1", "MS-0009", date(2026, 1, 1)))
        await bus.settled()

        tier = await tier_of("C-1")
        assert (tier["tier"], tier["revenue_12m_minor"]) == ("vip", yuan("20,000.00"))
