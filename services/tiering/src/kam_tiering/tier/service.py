"""Re-evaluation of customers after their revenue or profile changed."""

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.clock import Clock, add_months, business_today, month_key
from kam_shared.db import lock_for_transaction
from kam_shared.events.catalog import RevenueUpdated, TierReason
from kam_shared.messaging.outbox import Outbox
from kam_tiering.billing import repository as ledger
from kam_tiering.override import repository as overrides
from kam_tiering.tier import repository
from kam_tiering.tier.classification import Profile, RevenueFigures, classify, county_ranks, is_promotion
from kam_tiering.tier.events import tier_changed
from kam_tiering.tier.policy import Policy


def tier_lock(customer_id: str) -> str:
    """What every transaction deciding a customer's tier holds: billing's re-evaluation and the month close."""
    return f"kam-tier:{customer_id}"


async def reevaluate(
    session: AsyncSession, *, customers: Iterable[str], policy: Policy, outbox: Outbox, clock: Clock
) -> None:
    """Classifies the customers on today's figures; promotes at once, emits what changed.

    Demotion waits for a month to be closed, so a customer never drops a tier mid-month."""
    customers = sorted(set(customers))
    if not customers:
        return
    # Two transactions re-evaluating one customer must not both read the figures before either writes: the
    # second would overwrite the first's state with figures that miss the first's billing.
    await lock_for_transaction(session, (tier_lock(customer_id) for customer_id in customers))
    now = clock.now()
    today = business_today(clock)
    since = min(add_months(month_key(today), -12), f"{today.year - 1:04d}-01")
    months = await ledger.months_for(session, customers, since)
    profiles = await repository.profiles_for(session, customers)
    states = await repository.states_for(session, customers)
    figures_of = {
        customer_id: RevenueFigures.from_months(months.get(customer_id, {}), today) for customer_id in customers
    }
    ranks = await _county_ranks(session, profiles, figures_of, policy=policy, today=today)
    # A manager's override wins: the earned tier is kept, but the tier in force (and so no event) does not change.
    overridden = await overrides.active_for(session, customers, today)
    rows, events = [], []
    for customer_id in customers:
        figures = replace(figures_of[customer_id], county_rank=ranks.get(customer_id))
        profile = profile_of(profiles.get(customer_id))
        result = classify(figures, profile, policy, today)
        state = states.get(customer_id)
        old_tier = state["tier"] if state else "standard"
        promoted = is_promotion(old_tier, result.tier)
        tier = result.tier if promoted else old_tier
        reasons = list(result.reasons)
        if tier != result.tier:
            reasons.append(
                TierReason(
                    rule="held-until-month-close",
                    detail=f"today's figures put the customer in {result.tier}; a demotion is decided only when a "
                    "month is closed",
                    figures={"held_tier": tier, "evaluated_tier": result.tier},
                )
            )
        sequence = (state["sequence"] if state else 0) + 1
        row = {
            "customer_id": customer_id,
            "tier": tier,
            "qualified": result.qualified,
            "revenue_12m_minor": figures.trailing_12m_minor,
            "currency": policy.currency,
            "reasons": [reason.model_dump() for reason in reasons],
            "since": now if promoted or state is None else state["since"],
            "policy_id": policy.id,
            "policy_version": policy.version,
            "sequence": sequence,
            "evaluated_at": now,
        }
        rows.append(row)
        events.append(
            RevenueUpdated(
                customer_id=customer_id,
                month=figures.current_month,
                month_amount_minor=figures.current_month_minor,
                revenue_12m_minor=figures.trailing_12m_minor,
                currency=policy.currency,
                as_of=today,
                sequence=sequence,
            )
        )
        if promoted and customer_id not in overridden:
            events.append(
                tier_changed(
                    row, old_tier=old_tier, new_tier=tier, reasons=result.reasons, policy=policy, changed_at=now
                )
            )
    await repository.save_states(session, rows)
    await outbox.add(session, events)


async def _county_ranks(
    session: AsyncSession,
    profiles: dict[str, dict],
    figures: dict[str, RevenueFigures],
    *,
    policy: Policy,
    today: date,
) -> dict[str, int]:
    """Ranks of these customers in their counties, among the customers with an agreement in force: the others
    by the revenue tiering last held for them, these by today's figures. Others that drop out of a top N
    because of it lose that rule at the next close."""
    if policy.qualification.top_agreement_customers_in_county is None:
        return {}
    mine = {
        customer_id: row["county"]
        for customer_id, row in profiles.items()
        if row["county"] is not None and profile_of(row).agreement_active(today)
    }
    counties = await repository.agreement_revenue_in_counties(session, set(mine.values()), today)
    ranks: dict[str, int] = {}
    for county, revenues in counties.items():
        for customer_id, county_of in mine.items():
            if county_of == county:
                revenues[customer_id] = figures[customer_id].trailing_12m_minor
        ranked = county_ranks(revenues)
        ranks.update({customer_id: ranked[customer_id] for customer_id in mine if customer_id in ranked})
    return ranks


def profile_of(row: dict | None) -> Profile:
    if row is None:
        return Profile()
    return Profile(
        important=row["important"],
        potential=row["potential"],
        agreement_signed_on=row["agreement_signed_on"],
        agreement_expires_on=row["agreement_expires_on"],
    )
