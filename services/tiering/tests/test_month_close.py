"""Month close: the last 12 complete months decide, demotion after the policy's consecutive closes below the
bound, qualification at the close, and a close run again changes nothing unless the ledger did.

Figures are hand-computed; billing is posted per customer (no accounts)."""

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from kam_shared.events.catalog import RevenueUpdated, TierChanged
from kam_tiering.close.runner import MonthCloser
from kam_tiering.tier.repository import states_for

from .conftest import billing, linked, registered, yuan  # noqa: TID252

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 9) -> datetime:
    year, month, date_ = (int(part) for part in day.split("-"))
    return datetime(year, month, date_, hour, 0, tzinfo=SHANGHAI)


def bill(billing_id: str, customer_id: str, amount: str, posted_on: str) -> dict:
    return billing(billing_id, customer_id=customer_id, account_no=None, amount_minor=yuan(amount), posted_on=posted_on)


async def changes(bus, customer_id: str | None = None) -> list[tuple[str, str, str]]:
    return [
        (envelope.data.customer_id, envelope.data.old_tier, envelope.data.new_tier)
        for envelope in await bus.published(TierChanged.TYPE)
        if customer_id is None or envelope.data.customer_id == customer_id
    ]


async def close(client, month: str) -> dict:
    response = await client.post(f"/v1/months/{month}/close")
    assert response.status_code == 200, response.text
    return response.json()


def closer_with(app, **policy_changes) -> MonthCloser:
    policy = replace(app.state.policy, **policy_changes)
    return MonthCloser(app.state.runtime, policy)


async def a_gold_customer_billed_only_in(bus, post_billing, month_day: str) -> None:
    await bus.publish(registered("C-1"))
    await bus.settled()
    await post_billing(bill("B-1", "C-1", "600,000.00", month_day))


class TestDemotion:
    async def test_a_gold_customer_without_billing_for_twelve_months_is_demoted_at_the_close(
        self, bus, client, clock, post_billing, tier_of
    ):
        # 2025-11 is in the last 12 complete months on 20 November 2026 (2025-11 .. 2026-10): gold.
        await a_gold_customer_billed_only_in(bus, post_billing, "2025-11-15")
        assert (await tier_of("C-1"))["tier"] == "gold"
        await close(client, "2026-10")
        assert (await tier_of("C-1"))["tier"] == "gold"

        clock.set(at("2026-12-01"))
        await close(client, "2026-11")
        await bus.settled()

        tier = await tier_of("C-1")
        assert (tier["tier"], tier["qualified"], tier["revenue_12m_minor"]) == ("standard", False, 0)
        assert await changes(bus, "C-1") == [("C-1", "standard", "gold"), ("C-1", "gold", "standard")]
        [*_, demotion] = [envelope.data for envelope in await bus.published(TierChanged.TYPE)]
        [reason] = [reason for reason in demotion.reasons if reason.rule == "month-close-demotion"]
        assert reason.figures == {"month": "2026-11", "held_tier": "gold", "closes_below": 1, "closes_required": 1}
        assert (demotion.policy_id, demotion.policy_version, demotion.revenue_12m_minor) == ("postal-standard", 2, 0)

    async def test_with_two_closes_of_grace_the_first_close_below_keeps_the_tier_and_the_second_demotes(
        self, app, bus, clock, post_billing, tier_of
    ):
        await a_gold_customer_billed_only_in(bus, post_billing, "2025-11-15")
        closer = closer_with(app, demotion_after_months_below=2)

        clock.set(at("2026-12-01"))
        await closer.close("2026-11")
        tier = await tier_of("C-1")
        # Below gold at the close of 2026-11 (0), not at the close of 2026-10 (600,000).
        assert tier["tier"] == "gold"
        [held] = [reason for reason in tier["reasons"] if reason["rule"] == "held-until-month-close"]
        assert held["figures"] == {"held_tier": "gold", "evaluated_tier": "standard", "closes_below": 1}

        clock.set(at("2027-01-01"))
        await closer.close("2026-12")
        await bus.settled()

        assert (await tier_of("C-1"))["tier"] == "standard"
        assert await changes(bus, "C-1") == [("C-1", "standard", "gold"), ("C-1", "gold", "standard")]

    async def test_a_customer_is_demoted_to_the_best_tier_it_held_through_the_grace(
        self, app, bus, clock, post_billing, tier_of
    ):
        # 2025-11: 490,000 and 2025-12: 20,000. Close of 2026-11: 20,000 (vip); of 2026-12: 0 (standard).
        # With two closes of grace, the close of 2026-12 finds it below gold twice, below vip once: vip.
        await bus.publish(registered("C-1"))
        await post_billing(
            bill("B-1", "C-1", "490,000.00", "2025-11-15"),
            bill("B-2", "C-1", "20,000.00", "2025-12-15"),
        )
        assert (await tier_of("C-1"))["tier"] == "gold"
        closer = closer_with(app, demotion_after_months_below=2)
        clock.set(at("2026-12-01"))
        await closer.close("2026-11")
        clock.set(at("2027-01-01"))

        await closer.close("2026-12")

        assert (await tier_of("C-1"))["tier"] == "vip"

    async def test_an_expired_agreement_disqualifies_at_the_close(self, bus, client, clock, tier_of):
        await bus.publish(registered("C-1", agreement_signed_on="2025-01-01", agreement_expires_on="2026-11-25"))
        await bus.settled()
        assert (await tier_of("C-1"))["tier"] == "vip"

        clock.set(at("2026-12-01"))
        await close(client, "2026-11")

        tier = await tier_of("C-1")
        assert (tier["tier"], tier["qualified"]) == ("standard", False)

    async def test_a_customer_known_only_by_the_link_of_an_account_is_demoted_too(
        self, bus, client, clock, post_billing, tier_of
    ):
        await bus.publish(linked("C-9", "MS-0009", date(2025, 1, 1)))
        await bus.settled()
        await post_billing(
            billing("B-1", account_no="MS-0009", amount_minor=yuan("600,000.00"), posted_on="2025-11-15")
        )
        assert (await tier_of("C-9"))["tier"] == "gold"

        clock.set(at("2026-12-01"))
        await close(client, "2026-11")

        assert (await tier_of("C-9"))["tier"] == "standard"

    async def test_previous_year_and_current_month_at_a_close_test_the_month_closed(
        self, bus, client, clock, post_billing, tier_of
    ):
        # 2025: 10,000.00; 2026-11: 1,000.00. Trailing revenue stays below 10,000.00 throughout.
        await bus.publish(registered("C-1"))
        await post_billing(bill("B-1", "C-1", "10,000.00", "2025-05-10"), bill("B-2", "C-1", "1,000.00", "2026-11-10"))
        assert (await tier_of("C-1"))["tier"] == "vip"

        # On 1 December month-to-date is 0, but the month closed, November, has its 1,000.00.
        clock.set(at("2026-12-01"))
        await close(client, "2026-11")
        assert (await tier_of("C-1"))["tier"] == "vip"

        clock.set(at("2027-01-01"))
        await close(client, "2026-12")
        assert (await tier_of("C-1"))["tier"] == "standard"


class TestNoDipAtTheStartOfAMonth:
    async def test_a_customer_billed_every_month_keeps_its_tier_and_its_figure_when_a_month_starts(
        self, bus, client, clock, post_billing, tier_of
    ):
        # 50,000 a month from 2025-12 to 2026-11: 600,000 over the last 12 complete months on 1 December.
        await bus.publish(registered("C-1"))
        months = ["2025-12-10"] + [f"2026-{month:02d}-10" for month in range(1, 12)]
        await post_billing(*(bill(f"B-{day}", "C-1", "50,000.00", day) for day in months))
        clock.set(at("2026-12-01"))
        await close(client, "2026-11")

        await post_billing(bill("B-dec", "C-1", "100.00", "2026-12-01"))

        tier = await tier_of("C-1")
        # Month-to-date plus the 11 months before it would be 550,100.00.
        assert (tier["tier"], tier["revenue_12m_minor"]) == ("gold", yuan("600,000.00"))
        assert await changes(bus, "C-1") == [("C-1", "standard", "gold")]


class TestTopFiveInTheCountyAtTheClose:
    async def test_the_top_five_agreement_customers_of_a_county_and_the_one_tied_with_the_fifth_qualify(
        self, app, bus, clock, post_billing, tier_of
    ):
        revenue = {"A": "9,000.00", "B": "8,000.00", "C": "7,000.00", "D": "6,000.00", "E": "5,000.00"}
        revenue |= {"F": "5,000.00", "G": "4,000.00"}
        agreement = {"agreement_signed_on": "2025-01-01"}
        await bus.publish(*(registered(name, county="Siming", **agreement) for name in revenue))
        await bus.publish(registered("H", county="Huli", **agreement))
        await post_billing(*(bill(f"B-{name}", name, amount, "2026-10-10") for name, amount in revenue.items()))
        await post_billing(bill("B-H", "H", "1,000.00", "2026-10-10"))
        # Rule 4 alone: no agreement rule, no trailing-revenue rule.
        policy = app.state.policy
        rank_only = replace(policy.qualification, active_agreement=False, trailing_12m_min_minor=None)
        closer = closer_with(app, qualification=rank_only)

        await closer.close("2026-10")
        await bus.settled()

        tiers = {name: (await tier_of(name))["tier"] for name in [*revenue, "H"]}
        assert tiers == {"A": "vip", "B": "vip", "C": "vip", "D": "vip", "E": "vip", "F": "vip"} | {
            "G": "standard",
            "H": "vip",
        }
        [rank] = [reason for reason in (await tier_of("F"))["reasons"] if reason["rule"] == "top-in-county"]
        assert rank["figures"] == {"county_rank": 5, "revenue_12m_minor": yuan("5,000.00")}


class TestClosingAgain:
    async def test_a_close_run_twice_gives_identical_results_and_no_new_events(
        self, app, bus, client, clock, post_billing
    ):
        await bus.publish(registered("C-1"), registered("C-2"), registered("C-3", important=True))
        await post_billing(
            bill("B-1", "C-1", "600,000.00", "2025-11-15"),
            bill("B-2", "C-2", "20,000.00", "2025-11-15"),
            bill("B-3", "C-2", "30,000.00", "2026-05-15"),
        )
        clock.set(at("2026-12-01"))
        first = await close(client, "2026-11")
        await bus.settled()
        events = len(await bus.published(TierChanged.TYPE)) + len(await bus.published(RevenueUpdated.TYPE))
        async with app.state.runtime.sessions() as session:
            states = await states_for(session, ["C-1", "C-2", "C-3"])

        clock.set(at("2026-12-02"))
        again = await close(client, "2026-11")
        await bus.settled()

        async with app.state.runtime.sessions() as session:
            assert await states_for(session, ["C-1", "C-2", "C-3"]) == states
        assert len(await bus.published(TierChanged.TYPE)) + len(await bus.published(RevenueUpdated.TYPE)) == events
        assert {name: state["tier"] for name, state in states.items()} == {"C-1": "standard", "C-2": "vip"} | {
            "C-3": "vip"
        }
        assert states["C-2"]["revenue_12m_minor"] == yuan("30,000.00")
        assert (first["runs"], first["tier_changes"], first["states_changed"]) == (1, 1, 2)
        assert (again["runs"], again["tier_changes"], again["states_changed"]) == (2, 0, 0)
        assert again["first_closed_at"] == first["first_closed_at"] != again["closed_at"]

    async def test_late_billing_for_a_closed_month_counts_when_it_is_closed_again(
        self, bus, client, clock, post_billing, tier_of
    ):
        await a_gold_customer_billed_only_in(bus, post_billing, "2025-11-15")
        clock.set(at("2026-12-01"))
        await close(client, "2026-11")
        assert (await tier_of("C-1"))["tier"] == "standard"

        await post_billing(bill("B-late", "C-1", "20,000.00", "2026-11-30"))
        await close(client, "2026-11")
        await bus.settled()

        # The late billing promoted at once (vip); closing again finds nothing more to change.
        assert (await tier_of("C-1"))["tier"] == "vip"
        assert await changes(bus, "C-1") == [
            ("C-1", "standard", "gold"),
            ("C-1", "gold", "standard"),
            ("C-1", "standard", "vip"),
        ]

    async def test_closing_an_older_month_again_decides_tiers_at_the_latest_close(
        self, bus, client, clock, post_billing, tier_of
    ):
        await a_gold_customer_billed_only_in(bus, post_billing, "2025-11-15")
        await close(client, "2026-10")
        clock.set(at("2026-12-01"))
        await close(client, "2026-11")
        await bus.settled()
        announced = await changes(bus)

        again = await close(client, "2026-10")
        await bus.settled()

        # At the close of 2026-10 alone the customer was gold; the close of 2026-11 has since demoted it.
        assert (await tier_of("C-1"))["tier"] == "standard"
        assert await changes(bus) == announced
        assert (again["month"], again["runs"], again["tier_changes"]) == ("2026-10", 2, 0)


class TestStepsOfAClose:
    async def test_each_step_runs_after_the_tier_pass_with_the_month_closed_at_every_close(self, app, clock):
        seen = []

        async def step(session, *, month, policy, outbox, clock) -> None:
            seen.append((month, policy.id, clock.now()))

        closer = MonthCloser(app.state.runtime, app.state.policy, steps=[step])
        await closer.close("2026-10")
        await closer.close("2026-10")

        assert seen == [("2026-10", "postal-standard", clock.now())] * 2


class TestTheMonthsResource:
    async def test_closed_months_are_listed_latest_first(self, client, clock):
        clock.set(at("2026-12-01"))
        await close(client, "2026-10")
        await close(client, "2026-11")

        response = await client.get("/v1/months")

        assert response.status_code == 200
        assert [(month["month"], month["runs"]) for month in response.json()] == [("2026-11", 1), ("2026-10", 1)]

    async def test_a_month_that_has_not_ended_in_shanghai_cannot_be_closed(self, client, clock):
        # 23:30 UTC on 30 November is already 1 December in Shanghai, 30 November in London.
        clock.set(datetime(2026, 11, 30, 15, 30, tzinfo=ZoneInfo("UTC")))

        response = await client.post("/v1/months/2026-11/close")

        assert response.status_code == 409
        assert response.json()["status"] == 409
        assert (await client.post("/v1/months/2026-13/close")).status_code == 422

    @pytest.mark.parametrize("month", ["1999-12", "2101-01", "9999-12"])
    async def test_a_month_outside_the_ledger_years_is_refused_naming_the_month(self, client, month):
        response = await client.post(f"/v1/months/{month}/close")

        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "month"
        assert response.json()["errors"][0]["reason"] == "the ledger keeps the months 2000-01 to 2100-12"
