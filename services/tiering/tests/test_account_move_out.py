"""A move-out (billing_account.closed): from its day the account has no holder, and its billing waits for the next."""

from datetime import UTC, date, datetime

from kam_shared.events.catalog import BillingAccountClosed

from .conftest import billing, linked, registered, yuan  # noqa: TID252

MOVE_OUT = date(2026, 9, 1)


def closed(customer_id: str, account_no: str, effective_to: date) -> BillingAccountClosed:
    return BillingAccountClosed(
        customer_id=customer_id,
        account_no=account_no,
        effective_to=effective_to,
        closed_at=datetime(2026, 11, 20, 4, 0, tzinfo=UTC),
    )


async def waiting(client) -> list[tuple[str, str | None, int, int]]:
    response = await client.get("/v1/billing/waiting")
    assert response.status_code == 200, response.text
    return [(group["reason"], group["account_no"], group["lines"], group["amount_minor"]) for group in response.json()]


BEFORE = billing("B-aug", amount_minor=yuan("10.00"), posted_on="2026-08-31")
ON_THE_DAY = billing("B-sep", amount_minor=yuan("20.00"), posted_on="2026-09-01")
LATER = billing("B-oct", amount_minor=yuan("40.00"), posted_on="2026-10-15")


class TestBillingAfterAMoveOut:
    async def test_billing_from_the_move_out_day_waits_for_a_holder(self, client, bus, post_billing, revenue_of):
        await bus.deliver(registered("C-1"), linked("C-1", "MS-0001", date(2026, 1, 1)))
        await bus.deliver(closed("C-1", "MS-0001", MOVE_OUT))

        await post_billing(BEFORE, ON_THE_DAY, LATER)

        assert await revenue_of("C-1") == {"2026-08": yuan("10.00")}
        assert await waiting(client) == [("account-not-linked", "MS-0001", 2, yuan("60.00"))]
        accounts = (await client.get("/v1/billing-accounts/waiting")).json()
        assert [(account["account_no"], account["lines"]) for account in accounts] == [("MS-0001", 2)]

    async def test_the_next_holder_linked_gets_the_billing_that_waited(self, client, bus, post_billing, revenue_of):
        await bus.deliver(registered("C-1"), registered("C-2"), linked("C-1", "MS-0001", date(2026, 1, 1)))
        await bus.deliver(closed("C-1", "MS-0001", MOVE_OUT))
        await post_billing(BEFORE, ON_THE_DAY, LATER)

        await bus.deliver(linked("C-2", "MS-0001", date(2026, 10, 1)))

        assert await revenue_of("C-2") == {"2026-10": yuan("40.00")}
        assert await waiting(client) == [("account-not-linked", "MS-0001", 1, yuan("20.00"))]


class TestBillingCountedBeforeTheMoveOutArrived:
    async def test_billing_on_or_after_the_day_leaves_the_old_holder_and_waits(
        self, client, bus, post_billing, revenue_of, tier_of
    ):
        await bus.deliver(registered("C-1"), linked("C-1", "MS-0001", date(2026, 1, 1)))
        await post_billing(BEFORE, ON_THE_DAY, LATER)
        assert (await tier_of("C-1"))["revenue_12m_minor"] == yuan("70.00")

        await bus.deliver(closed("C-1", "MS-0001", MOVE_OUT))

        assert await revenue_of("C-1") == {"2026-08": yuan("10.00")}
        assert (await tier_of("C-1"))["revenue_12m_minor"] == yuan("10.00")
        assert await waiting(client) == [("account-not-linked", "MS-0001", 2, yuan("60.00"))]

    async def test_a_correction_leaves_with_its_charge_and_counts_with_it_for_the_next_holder(
        self, client, bus, post_billing, revenue_of
    ):
        await bus.deliver(registered("C-1"), registered("C-2"), linked("C-1", "MS-0001", date(2026, 1, 1)))
        fix = billing("B-sep-fix", amount_minor=-yuan("5.00"), posted_on="2026-11-02", corrects_billing_id="B-sep")
        await post_billing(BEFORE, ON_THE_DAY)
        await post_billing(fix)
        assert await revenue_of("C-1") == {"2026-08": yuan("10.00"), "2026-09": yuan("15.00")}

        await bus.deliver(closed("C-1", "MS-0001", MOVE_OUT))
        assert await revenue_of("C-1") == {"2026-08": yuan("10.00")}
        await bus.deliver(linked("C-2", "MS-0001", MOVE_OUT))

        assert await revenue_of("C-2") == {"2026-09": yuan("15.00")}
        assert await waiting(client) == []

    async def test_billing_the_partner_posted_against_the_named_customer_stays(self, bus, post_billing, revenue_of):
        await bus.deliver(registered("C-1"), linked("C-1", "MS-0001", date(2026, 1, 1)))
        await post_billing(billing("B-named", customer_id="C-1", amount_minor=yuan("30.00"), posted_on="2026-10-01"))

        await bus.deliver(closed("C-1", "MS-0001", MOVE_OUT))

        assert await revenue_of("C-1") == {"2026-10": yuan("30.00")}


class TestArrivalOrder:
    async def test_a_move_in_on_the_move_out_day_wins_whichever_arrives_first(
        self, client, bus, post_billing, revenue_of
    ):
        for order, account in (("close-first", "MS-0001"), ("link-first", "MS-0002")):
            move_out = closed("C-1", account, MOVE_OUT)
            move_in = linked("C-2", account, MOVE_OUT, previous="C-1")
            await bus.deliver(registered("C-1"), registered("C-2"), linked("C-1", account, date(2026, 1, 1)))
            await post_billing(
                billing(f"{order}-aug", account_no=account, amount_minor=yuan("1.00"), posted_on="2026-08-31"),
                billing(f"{order}-sep", account_no=account, amount_minor=yuan("2.00"), posted_on="2026-09-01"),
            )

            for event in (move_out, move_in) if order == "close-first" else (move_in, move_out):
                await bus.deliver(event)

            assert await waiting(client) == [], order
        assert await revenue_of("C-1") == {"2026-08": yuan("2.00")}
        assert await revenue_of("C-2") == {"2026-09": yuan("4.00")}

    async def test_a_move_out_arriving_before_the_link_it_ends_bounds_that_link(
        self, client, bus, post_billing, revenue_of
    ):
        await bus.deliver(registered("C-1"))
        await bus.deliver(closed("C-1", "MS-0001", MOVE_OUT))

        await bus.deliver(linked("C-1", "MS-0001", date(2026, 1, 1)))
        await post_billing(BEFORE, ON_THE_DAY)

        assert await revenue_of("C-1") == {"2026-08": yuan("10.00")}
        assert await waiting(client) == [("account-not-linked", "MS-0001", 1, yuan("20.00"))]

    async def test_a_move_out_arriving_after_the_next_holder_moved_in_takes_only_the_days_between(
        self, client, bus, post_billing, revenue_of
    ):
        await bus.deliver(registered("C-1"), registered("C-2"), linked("C-1", "MS-0001", date(2026, 1, 1)))
        await bus.deliver(linked("C-2", "MS-0001", date(2026, 10, 1)))
        await post_billing(BEFORE, ON_THE_DAY, LATER)

        await bus.deliver(closed("C-1", "MS-0001", MOVE_OUT))

        assert await revenue_of("C-1") == {"2026-08": yuan("10.00")}
        assert await revenue_of("C-2") == {"2026-10": yuan("40.00")}
        assert await waiting(client) == [("account-not-linked", "MS-0001", 1, yuan("20.00"))]


class TestRedelivery:
    async def test_a_move_out_delivered_again_after_the_next_move_in_changes_nothing(
        self, client, bus, post_billing, revenue_of
    ):
        await bus.deliver(registered("C-1"), registered("C-2"), linked("C-1", "MS-0001", date(2026, 1, 1)))
        await post_billing(BEFORE, ON_THE_DAY)
        move_out = bus.wrap(closed("C-1", "MS-0001", MOVE_OUT))
        await bus.deliver(move_out)
        await bus.deliver(linked("C-2", "MS-0001", MOVE_OUT))

        await bus.deliver(move_out)
        await bus.deliver(closed("C-1", "MS-0001", MOVE_OUT))

        assert await revenue_of("C-1") == {"2026-08": yuan("10.00")}
        assert await revenue_of("C-2") == {"2026-09": yuan("20.00")}
        assert await waiting(client) == []

    async def test_a_move_out_delivered_twice_subtracts_once(self, bus, post_billing, revenue_of, tier_of):
        await bus.deliver(registered("C-1"), linked("C-1", "MS-0001", date(2026, 1, 1)))
        await post_billing(BEFORE, ON_THE_DAY, LATER)

        await bus.deliver(closed("C-1", "MS-0001", MOVE_OUT))
        await bus.deliver(closed("C-1", "MS-0001", MOVE_OUT))

        assert await revenue_of("C-1") == {"2026-08": yuan("10.00")}
        assert (await tier_of("C-1"))["revenue_12m_minor"] == yuan("10.00")
