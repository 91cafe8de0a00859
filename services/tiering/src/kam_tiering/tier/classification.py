"""Classification of one customer from its revenue figures and profile. Pure: no I/O, no clock."""

from bisect import bisect_right
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
    # The last month of the 12-month window trailing_12m_minor sums.
    window_end: str | None = None
    # Rank by trailing revenue among the customers with an active agreement in the same county (1 = first);
    # None when the customer has no active agreement, no county or no revenue.
    county_rank: int | None = None

    @classmethod
    def from_months(cls, months: dict[str, int], today: date, county_rank: int | None = None) -> "RevenueFigures":
        """Figures between closes: the better of the last 12 complete months and month-to-date plus the 11
        months before it, so nobody dips when a month starts; the current month is month-to-date."""
        current = month_key(today)
        complete = trailing_sum(months, add_months(current, -1))
        to_date = trailing_sum(months, current)
        return cls(
            trailing_12m_minor=max(complete, to_date),
            previous_year_minor=year_sum(months, today.year - 1),
            current_month_minor=months.get(current, 0),
            current_month=current,
            window_end=current if to_date >= complete else add_months(current, -1),
            county_rank=county_rank,
        )

    @classmethod
    def at_close(cls, months: dict[str, int], month: str, county_rank: int | None = None) -> "RevenueFigures":
        """Figures at the close of `month`: the 12 months ending with it, and it as the current month."""
        return cls(
            trailing_12m_minor=trailing_sum(months, month),
            previous_year_minor=year_sum(months, int(month[:4]) - 1),
            current_month_minor=months.get(month, 0),
            current_month=month,
            window_end=month,
            county_rank=county_rank,
        )


def trailing_sum(months: dict[str, int], last_month: str) -> int:
    first = add_months(last_month, -11)
    return sum(amount for month, amount in months.items() if first <= month <= last_month)


def year_sum(months: dict[str, int], year: int) -> int:
    prefix = f"{year:04d}-"
    return sum(amount for month, amount in months.items() if month.startswith(prefix))


@dataclass(frozen=True, slots=True)
class Profile:
    important: bool = False
    potential: bool = False
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
    top = rule.top_agreement_customers_in_county
    if top is not None and figures.county_rank is not None and figures.county_rank <= top:
        reasons.append(
            TierReason(
                rule="top-in-county",
                detail=f"among the top {top} customers with an active agreement in its county by trailing revenue",
                figures={"county_rank": figures.county_rank, "revenue_12m_minor": figures.trailing_12m_minor},
            )
        )
    if rule.important and profile.important:
        reasons.append(TierReason(rule="important", detail="flagged important (government, regulator, media, ...)"))
    if rule.potential and profile.potential:
        reasons.append(TierReason(rule="potential", detail="flagged a potential key account, treated as important"))
    tier = band_for(figures.trailing_12m_minor, policy)
    band = next((band for band in policy.bands if band.tier == tier), None)
    reasons.append(
        TierReason(
            rule="revenue-band",
            detail=f"trailing 12-month revenue in the {tier} band",
            figures={
                "revenue_12m_minor": figures.trailing_12m_minor,
                "band_min_minor": band.min_revenue_12m_minor if band else 0,
                "window_end": figures.window_end or figures.current_month,
            },
        )
    )
    qualified = any(reason.rule != "revenue-band" for reason in reasons)
    if not qualified:
        # "Standard: below the bands, or not qualified" — a band counts only for a qualified customer.
        return Classification(tier="standard", qualified=False, reasons=tuple(reasons))
    floor = policy.min_tier_when_qualified
    if TIER_RANK[floor] > TIER_RANK[tier]:
        # Being a key account is what earns the green channel and the key-account service level.
        reasons.append(
            TierReason(
                rule="key-account-minimum",
                detail=f"a key account is at least {floor} whatever its revenue",
                figures={"band_tier": tier, "min_tier": floor},
            )
        )
        tier = floor
    return Classification(tier=tier, qualified=True, reasons=tuple(reasons))


def county_ranks(revenues: dict[str, int]) -> dict[str, int]:
    """Ranks customers of one county by revenue, highest first: 1 + how many have strictly more. Customers with
    equal revenue share a rank, so a tie at the last place of a top N lets every tied customer in. Customers
    without revenue are not ranked."""
    amounts = sorted(amount for amount in revenues.values() if amount > 0)
    return {
        customer_id: 1 + len(amounts) - bisect_right(amounts, amount)
        for customer_id, amount in revenues.items()
        if amount > 0
    }


def is_promotion(old: Tier, new: Tier) -> bool:
    return TIER_RANK[new] > TIER_RANK[old]
