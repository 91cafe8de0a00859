"""Promotion: the billing event that crosses a bound raises the tier at once and announces tier.changed.

Between closes tiers only go up; demotion waits for a month close (test_month_close.py)."""

from datetime import date

from kam_shared.events.catalog import TierChanged

from .conftest import NOW, billing, linked, registered, yuan  # noqa: TID252


async def tier_changes(bus, customer_id: str) -> list[tuple[str, str]]:
    return [
        (envelope.data.old_tier, envelope.data.new_tier)
        for envelope in await bus.published(TierChanged.TYPE)
        if envelope.data.customer_id == customer_id
    ]


class TestPromotion:
    async def test_a_customer_billed_600_000_yuan_over_the_last_12_months_is_gold(self, bus, post_billing, tier_of):
        await bus.publish(registered("C-1"), linked("C-1", "MS-0001", date(2025, 1, 1)))
        await bus.settled()

        await post_billing(
            billing("B-1", amount_minor=yuan("250,000.00"), posted_on="2025-12-15"),
            billing("B-2", amount_minor=yuan("350,000.00"), posted_on="2026-11-02"),
        )

        tier = await tier_of("C-1")
        assert (tier["tier"], tier["qualified"]) == ("gold", True)
        assert tier["revenue_12m_minor"] == yuan("600,000.00")
        assert (tier["policy_id"], tier["policy_version"]) == ("postal-standard", 2)
        assert tier["since"] == "2026-11-20T04:00:00Z"
        reasons = {reason["rule"]: reason for reason in tier["reasons"]}
        # 2025-12 is in the window and in the previous calendar year, which this month's billing also qualifies.
        assert set(reasons) == {"previous-year-and-current-month", "trailing-12-months", "revenue-band"}
        assert reasons["revenue-band"]["figures"]["band_min_minor"] == yuan("500,000.00")

    async def test_the_promotion_is_announced_once_with_the_old_and_new_tier_and_its_reasons(self, bus, post_billing):
        await bus.publish(registered("C-1"))
        await bus.settled()

        await post_billing(billing("B-1", customer_id="C-1", account_no=None, amount_minor=yuan("600,000.00")))
        await bus.settled()

        [envelope] = await bus.published(TierChanged.TYPE)
        event = envelope.data
        assert envelope.subject == "C-1"
        assert (event.old_tier, event.new_tier, event.qualified) == ("standard", "gold", True)
        assert (event.revenue_12m_minor, event.currency) == (yuan("600,000.00"), "CNY")
        assert (event.policy_id, event.policy_version, event.changed_at) == ("postal-standard", 2, NOW)
        assert "trailing-12-months" in [reason.rule for reason in event.reasons]

    async def test_a_customer_climbing_step_by_step_is_announced_at_every_bound(self, bus, post_billing):
        await bus.publish(registered("C-1"))
        await post_billing(billing("B-1", customer_id="C-1", account_no=None, amount_minor=yuan("10,000.00")))
        await post_billing(billing("B-2", customer_id="C-1", account_no=None, amount_minor=yuan("489,999.99")))
        await post_billing(billing("B-3", customer_id="C-1", account_no=None, amount_minor=yuan("0.01")))
        await bus.settled()

        assert await tier_changes(bus, "C-1") == [("standard", "vip"), ("vip", "gold")]

    async def test_revenue_older_than_the_trailing_window_does_not_promote(self, bus, post_billing, tier_of):
        await bus.publish(registered("C-1"))
        await post_billing(
            billing("B-1", customer_id="C-1", account_no=None, amount_minor=yuan("900,000.00"), posted_on="2025-10-31")
        )

        tier = await tier_of("C-1")
        assert (tier["tier"], tier["revenue_12m_minor"]) == ("standard", 0)
        assert await tier_changes(bus, "C-1") == []

    async def test_an_important_customer_is_a_vip_key_account_from_registration(self, bus, tier_of):
        await bus.publish(registered("C-1", important=True))
        await bus.settled()

        tier = await tier_of("C-1")
        assert (tier["tier"], tier["qualified"]) == ("vip", True)
        assert [reason["rule"] for reason in tier["reasons"]] == ["important", "revenue-band", "key-account-minimum"]
        assert await tier_changes(bus, "C-1") == [("standard", "vip")]


class TestNoDemotion:
    async def test_lower_figures_later_on_leave_the_tier_where_it_was(self, bus, post_billing, tier_of):
        await bus.publish(registered("C-1"))
        await post_billing(billing("B-1", customer_id="C-1", account_no=None, amount_minor=yuan("600,000.00")))

        await post_billing(
            billing(
                "B-2", customer_id="C-1", account_no=None, amount_minor=-yuan("300,000.00"), corrects_billing_id="B-1"
            )
        )
        await bus.settled()

        tier = await tier_of("C-1")
        assert (tier["tier"], tier["revenue_12m_minor"]) == ("gold", yuan("300,000.00"))
        assert tier["since"] == "2026-11-20T04:00:00Z"
        assert await tier_changes(bus, "C-1") == [("standard", "gold")]
        [held] = [reason for reason in tier["reasons"] if reason["rule"] == "held-until-month-close"]
        assert held["figures"] == {"held_tier": "gold", "evaluated_tier": "vip"}


class TestReadingATier:
    async def test_a_registered_customer_without_billing_is_standard_and_not_qualified(self, bus, tier_of):
        await bus.publish(registered("C-1"))
        await bus.settled()

        tier = await tier_of("C-1")
        assert (tier["tier"], tier["qualified"], tier["revenue_12m_minor"]) == ("standard", False, 0)
        assert tier["policy_version"] == 2

    async def test_a_customer_tiering_never_heard_of_is_not_found(self, client):
        response = await client.get("/v1/customers/nobody/tier")

        assert response.status_code == 404
