"""Qualification as the seeds write it: potential like important, the top 5 agreement customers of a county,
and a key account at least VIP."""

from dataclasses import replace
from datetime import UTC, date, datetime

from kam_shared.events.catalog import CustomerUpdated, TierChanged
from kam_tiering.tier.classification import Profile, RevenueFigures, classify, county_ranks
from kam_tiering.tier.policy import Policy, load_shipped
from kam_tiering.tier.repository import profiles_for

from .conftest import NOW, registered, yuan  # noqa: TID252

POLICY = load_shipped("postal-standard")
TODAY = date(2026, 11, 20)
# Rule 4 on its own: without the agreement rule, only the rank in the county qualifies an agreement customer.
RANK_ONLY = replace(
    POLICY,
    qualification=replace(POLICY.qualification, active_agreement=False, trailing_12m_min_minor=None),
)
AGREEMENT = Profile(agreement_signed_on=date(2025, 1, 1))


def updated(customer_id: str, sequence: int, **fields) -> CustomerUpdated:
    defaults = {
        "full_name": f"{customer_id} Co., Ltd.",
        "branch": "XM01",
        "changed": sorted(fields),
        "updated_at": NOW,
    }
    return CustomerUpdated(customer_id=customer_id, sequence=sequence, **{**defaults, **fields})


def ranked(revenue: str, rank: int | None) -> RevenueFigures:
    return RevenueFigures(yuan(revenue), 0, 0, "2026-11", county_rank=rank)


class TestTopFiveInTheCounty:
    def test_ranks_go_by_revenue_and_a_tie_shares_its_place(self):
        revenues = {"A": 900, "B": 800, "C": 700, "D": 600, "E": 500, "F": 500, "G": 400, "H": 0}

        assert county_ranks(revenues) == {"A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 5, "G": 7}

    def test_the_fifth_and_everyone_tied_with_it_qualify_the_next_one_does_not(self):
        fifth = classify(ranked("5,000.00", 5), AGREEMENT, RANK_ONLY, TODAY)
        seventh = classify(ranked("4,000.00", 7), AGREEMENT, RANK_ONLY, TODAY)

        assert (fifth.qualified, fifth.tier) == (True, "vip")
        [reason] = [reason for reason in fifth.reasons if reason.rule == "top-in-county"]
        assert reason.figures == {"county_rank": 5, "revenue_12m_minor": yuan("5,000.00")}
        assert (seventh.qualified, seventh.tier) == (False, "standard")

    def test_a_customer_without_a_rank_is_not_qualified_by_it(self):
        assert not classify(ranked("5,000.00", None), AGREEMENT, RANK_ONLY, TODAY).qualified


class TestKeyAccountMinimum:
    def test_a_potential_customer_without_revenue_is_a_vip_key_account(self):
        result = classify(RevenueFigures(0, 0, 0, "2026-11"), Profile(potential=True), POLICY, TODAY)

        assert (result.qualified, result.tier) == (True, "vip")
        assert [reason.rule for reason in result.reasons] == ["potential", "revenue-band", "key-account-minimum"]

    def test_the_minimum_is_policy_data_and_defaults_to_vip(self):
        document = {
            "id": "p",
            "version": 1,
            "currency": "CNY",
            "bands": [{"tier": "vip", "min_revenue_12m_minor": 1}],
            "qualification": {"important": True},
            "anomalies": {"sharp_drop_percent": 50},
        }

        assert Policy.from_document(document).min_tier_when_qualified == "vip"
        gold = Policy.from_document({**document, "min_tier_when_qualified": "gold"})
        result = classify(RevenueFigures(0, 0, 0, "2026-11"), Profile(important=True), gold, TODAY)
        assert result.tier == "gold"


class TestProfilesFromTheRegistry:
    async def test_a_potential_customer_is_a_vip_key_account_from_registration(self, bus, tier_of):
        await bus.publish(registered("C-1", potential=True))
        await bus.settled()

        tier = await tier_of("C-1")
        assert (tier["tier"], tier["qualified"]) == ("vip", True)
        assert "potential" in [reason["rule"] for reason in tier["reasons"]]

    async def test_an_update_flagging_a_customer_important_promotes_it_at_once(self, bus, tier_of):
        await bus.publish(registered("C-1"))
        await bus.settled()

        await bus.publish(updated("C-1", 2, important=True))
        await bus.settled()

        assert (await tier_of("C-1"))["tier"] == "vip"
        [change] = [envelope.data for envelope in await bus.published(TierChanged.TYPE)]
        assert (change.old_tier, change.new_tier) == ("standard", "vip")

    async def test_an_update_older_than_the_profile_held_changes_nothing(self, app, bus, tier_of):
        await bus.publish(registered("C-1"), updated("C-1", 3, county="Siming"))
        await bus.settled()

        await bus.publish(updated("C-1", 2, county="Huli", important=True))
        await bus.settled()

        assert (await tier_of("C-1"))["tier"] == "standard"
        assert await bus.published(TierChanged.TYPE) == []
        async with app.state.runtime.sessions() as session:
            profile = (await profiles_for(session, ["C-1"]))["C-1"]
        assert (profile["county"], profile["sequence"], profile["registered_at"]) == (
            "Siming",
            3,
            datetime(2026, 11, 20, 4, 0, tzinfo=UTC),
        )
