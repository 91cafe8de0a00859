"""The decision of a month close for one customer, from classifications alone."""

from dataclasses import replace

from kam_tiering.close.decision import decide
from kam_tiering.tier.classification import Classification
from kam_tiering.tier.policy import load_shipped

POLICY = load_shipped("postal-standard")
GRACE_3 = replace(POLICY, demotion_after_months_below=3)


def at(tier: str) -> Classification:
    return Classification(tier=tier, qualified=tier != "standard", reasons=())


def test_a_better_tier_at_the_close_than_the_one_held_is_taken_at_once():
    decision = decide(held="vip", closes=[at("gold")], live=at("vip"), month="2026-11", policy=POLICY)

    assert (decision.tier, decision.change) == ("gold", "promotion")


def test_closes_below_do_not_demote_while_todays_figures_keep_the_tier():
    decision = decide(held="gold", closes=[at("vip")], live=at("gold"), month="2026-11", policy=POLICY)

    assert (decision.tier, decision.change) == ("gold", None)


def test_a_demotion_waits_for_the_number_of_consecutive_closes_below_the_policy_asks():
    two_below = decide(
        held="gold", closes=[at("vip"), at("vip"), at("gold")], live=at("vip"), month="2026-11", policy=GRACE_3
    )
    three_below = decide(
        held="gold", closes=[at("vip"), at("standard"), at("vip")], live=at("standard"), month="2026-11", policy=GRACE_3
    )

    assert (two_below.tier, two_below.change) == ("gold", None)
    assert two_below.reasons[-1].figures["closes_below"] == 2
    # Below gold at three closes; below vip at one only: vip.
    assert (three_below.tier, three_below.change) == ("vip", "demotion")
    assert three_below.reasons[-1].figures == {
        "month": "2026-11",
        "held_tier": "gold",
        "closes_below": 3,
        "closes_required": 3,
    }
