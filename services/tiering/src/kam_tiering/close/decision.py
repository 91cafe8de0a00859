"""What a month close decides for one customer. Pure: figures and classifications in, a decision out."""

from dataclasses import dataclass
from typing import Literal

from kam_shared.events.catalog import Tier, TierReason
from kam_tiering.tier.classification import Classification
from kam_tiering.tier.policy import TIER_RANK, Policy

Change = Literal["promotion", "demotion"]


@dataclass(frozen=True, slots=True)
class CloseDecision:
    tier: Tier
    qualified: bool
    reasons: tuple[TierReason, ...]
    change: Change | None


def decide(
    *, held: Tier, closes: list[Classification], live: Classification, month: str, policy: Policy
) -> CloseDecision:
    """`closes` holds the classification at the close of `month` first, then of each earlier month the grace
    needs (demotion_after_months_below in all); `live` is today's, on the better of the last 12 complete months
    and month-to-date plus the 11 before it.

    - a better tier than the one held, at this close or today, is taken at once (a promotion the billing did not
      bring: a rank in the county, a month's revenue reaching its threshold only once closed);
    - a demotion needs every one of the last N closes below the tier held, and today's figures too (else the
      next billing would promote again); the customer then drops to the best tier those closes and today give,
      so it is below each bound it leaves for N closes in a row;
    - otherwise the tier held stands, with the count of closes below it so far."""
    held_rank = TIER_RANK[held]
    current = closes[0]
    best = max((current, live), key=lambda result: TIER_RANK[result.tier])
    qualified = current.qualified or live.qualified
    if TIER_RANK[best.tier] > held_rank:
        reason = TierReason(
            rule="month-close-promotion",
            detail=f"at the close of {month} the figures place the customer in {best.tier}",
            figures={"month": month, "held_tier": held},
        )
        return CloseDecision(best.tier, qualified, (*best.reasons, reason), "promotion")
    below = 0
    for result in closes:
        if TIER_RANK[result.tier] >= held_rank:
            break
        below += 1
    required = policy.demotion_after_months_below
    if below >= required and TIER_RANK[live.tier] < held_rank:
        target = max((*closes[:required], live), key=lambda result: TIER_RANK[result.tier])
        reason = TierReason(
            rule="month-close-demotion",
            detail=f"below the {held} bound at {required} consecutive month closes up to {month}",
            figures={"month": month, "held_tier": held, "closes_below": below, "closes_required": required},
        )
        return CloseDecision(target.tier, target.qualified, (*target.reasons, reason), "demotion")
    reasons = current.reasons
    if below:
        reasons = (
            *reasons,
            TierReason(
                rule="held-until-month-close",
                detail=f"below the {held} bound at {below} of the {required} consecutive closes a demotion needs",
                figures={"held_tier": held, "evaluated_tier": current.tier, "closes_below": below},
            ),
        )
    return CloseDecision(held, qualified, reasons, None)
