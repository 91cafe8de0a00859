"""Classification of one customer from its revenue figures and profile. Pure: no I/O, no clock."""

from dataclasses import dataclass
from datetime import date

from kam_shared.clock import add_months, month_key
from kam_shared.events.catalog import Tier, TierReason
from kam_tiering.tier.policy import TIER_RANK, Policy


@dataclass(frozen=True, slots=True)
class RevenueFigures:
    trailing_12m_minor: int
    previous_year_minor: int
    current_month_minor: int
    current_month: str

    @classmethod
    def from_months(cls, months: dict[str, int], today: date) -> "RevenueFigures":
        current = month_key(today)
        window_start = add_months(current, -11)
        previous_year = str(today.year - 1)
        return cls(
            trailing_12m_minor=sum(amount for month, amount in months.items() if window_start <= month <= current),
            previous_year_minor=sum(amount for month, amount in months.items() if month.startswith(previous_year)),
            current_month_minor=months.get(current, 0),
            current_month=current,
        )


@dataclass(frozen=True, slots=True)
class Profile:
    important: bool = False
    agreement_signed_on: date | None = None
    agreement_expires_on: date | None = None

    def agreement_active(self, today: date) -> bool:
        return (
            self.agreement_signed_on is not None
            and self.agreement_signed_on <= today
            and (self.agreement_expires_on is None or today <= self.agreement_expires_on)
        )


@dataclass(frozen=True, slots=True)
class Classification:
    tier: Tier
    qualified: bool
    reasons: tuple[TierReason, ...]


def band_for(revenue_12m_minor: int, policy: Policy) -> Tier:
    for band in policy.bands:
        if revenue_12m_minor >= band.min_revenue_12m_minor:
            return band.tier
    return "standard"


def classify(figures: RevenueFigures, profile: Profile, policy: Policy, today: date) -> Classification:
    rule = policy.qualification
    reasons: list[TierReason] = []
    if rule.active_agreement and profile.agreement_active(today):
        reasons.append(
            TierReason(
                rule="active-agreement",
                detail="an active signed agreement",
                figures={"signed_on": str(profile.agreement_signed_on)},
            )
        )
    if (
        rule.previous_year_min_minor is not None
        and rule.current_month_min_minor is not None
        and figures.previous_year_minor >= rule.previous_year_min_minor
        and figures.current_month_minor >= rule.current_month_min_minor
    ):
        reasons.append(
            TierReason(
                rule="previous-year-and-current-month",
                detail="previous calendar year and current month revenue at or above their thresholds",
                figures={
                    "previous_year_minor": figures.previous_year_minor,
                    "current_month_minor": figures.current_month_minor,
                },
            )
        )
    if rule.trailing_12m_min_minor is not None and figures.trailing_12m_minor >= rule.trailing_12m_min_minor:
        reasons.append(
            TierReason(
                rule="trailing-12-months",
                detail="trailing 12-month revenue at or above the threshold",
                figures={
                    "revenue_12m_minor": figures.trailing_12m_minor,
                    "threshold_minor": rule.trailing_12m_min_minor,
                },
            )
        )
    if rule.important and profile.important:
        reasons.append(TierReason(rule="important", detail="flagged important (government, regulator, media, ...)"))
    tier = band_for(figures.trailing_12m_minor, policy)
    band = next((band for band in policy.bands if band.tier == tier), None)
    reasons.append(
        TierReason(
            rule="revenue-band",
            detail=f"trailing 12-month revenue in the {tier} band",
            figures={
                "revenue_12m_minor": figures.trailing_12m_minor,
                "band_min_minor": band.min_revenue_12m_minor if band else 0,
                "window_end": figures.current_month,
            },
        )
    )
    qualified = any(reason.rule != "revenue-band" for reason in reasons)
    # "Standard: below the bands, or not qualified" — a band counts only for a qualified customer.
    return Classification(tier=tier if qualified else "standard", qualified=qualified, reasons=tuple(reasons))


def is_promotion(old: Tier, new: Tier) -> bool:
    return TIER_RANK[new] > TIER_RANK[old]
