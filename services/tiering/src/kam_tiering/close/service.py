"""The tier pass of a month close, one batch of customers per call: figures summed in SQL, a decision per
customer from the pure rules, and only what changed written and announced."""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.clock import Clock, add_months, business_today, month_key
from kam_shared.db import lock_for_transaction
from kam_shared.events.catalog import RevenueUpdated
from kam_shared.messaging.outbox import Outbox
from kam_tiering.close import repository
from kam_tiering.close.decision import decide
from kam_tiering.override import repository as overrides
from kam_tiering.tier import repository as tiers
from kam_tiering.tier.classification import RevenueFigures, classify, county_ranks
from kam_tiering.tier.events import tier_changed
from kam_tiering.tier.policy import Policy
from kam_tiering.tier.service import profile_of, tier_lock


def last_day(month: str) -> date:
    year, mon = int(month[:4]), int(month[5:7])
    return date(year, mon, monthrange(year, mon)[1])


@dataclass
class PassTotals:
    customers: int = 0
    tier_changes: int = 0
    states_changed: int = 0


async def county_ranks_at(session: AsyncSession, month: str) -> dict[str, int]:
    """Every ranked customer's place in its county at the close of `month`: agreements in force on its last day,
    revenue over the 12 months ending with it. The grace months and today's figures use the same ranks."""
    by_county = await repository.agreement_revenue_by_county(
        session, first=add_months(month, -11), last=month, day=last_day(month)
    )
    ranks: dict[str, int] = {}
    for revenues in by_county.values():
        ranks.update(county_ranks(revenues))
    return ranks


def _windows(month: str, grace: int, today_month: str) -> dict[str, tuple[str, str]]:
    windows: dict[str, tuple[str, str]] = {}
    for k in range(grace):
        closed = add_months(month, -k)
        year = int(closed[:4]) - 1
        windows[f"r12_{k}"] = (add_months(closed, -11), closed)
        windows[f"month_{k}"] = (closed, closed)
        windows[f"prev_year_{k}"] = (f"{year:04d}-01", f"{year:04d}-12")
    today_year = int(today_month[:4]) - 1
    windows["live_complete"] = (add_months(today_month, -12), add_months(today_month, -1))
    windows["live_to_date"] = (add_months(today_month, -11), today_month)
    windows["live_month"] = (today_month, today_month)
    windows["live_prev_year"] = (f"{today_year:04d}-01", f"{today_year:04d}-12")
    return windows


async def tier_pass(
    session: AsyncSession,
    *,
    customers: list[str],
    month: str,
    ranks: dict[str, int],
    policy: Policy,
    outbox: Outbox,
    clock: Clock,
    totals: PassTotals,
) -> None:
    """Decides the tier of these customers at the close of `month`, writes the states that changed (tier,
    qualification, revenue aged out of the window, policy version) and announces them."""
    if not customers:
        return
    # The same per-customer locks as billing's re-evaluation: neither overwrites the other's decision.
    await lock_for_transaction(session, [tier_lock(customer_id) for customer_id in customers])
    now = clock.now()
    today = business_today(clock)
    today_month = month_key(today)
    grace = policy.demotion_after_months_below
    sums = await repository.window_sums(session, customers, _windows(month, grace, today_month))
    profiles = await tiers.profiles_for(session, customers)
    states = await tiers.states_for(session, customers)
    # As in billing's re-evaluation, an override in force wins: the earned tier is stored, its change not announced.
    # One past its last day is ended by this close's first step, which announces the earned tier then, once.
    overridden = set(await overrides.active_for(session, customers, today))
    overridden.update(row["customer_id"] for row in await overrides.expired_before(session, today, customers))
    rows, events = [], []
    for customer_id in customers:
        figures = sums[customer_id]
        rank = ranks.get(customer_id)
        profile = profile_of(profiles.get(customer_id))
        closes = []
        for k in range(grace):
            closed = add_months(month, -k)
            at_close = RevenueFigures(
                trailing_12m_minor=figures[f"r12_{k}"],
                previous_year_minor=figures[f"prev_year_{k}"],
                current_month_minor=figures[f"month_{k}"],
                current_month=closed,
                window_end=closed,
                county_rank=rank,
            )
            closes.append(classify(at_close, profile, policy, last_day(closed)))
        complete, to_date = figures["live_complete"], figures["live_to_date"]
        live_figures = RevenueFigures(
            trailing_12m_minor=max(complete, to_date),
            previous_year_minor=figures["live_prev_year"],
            current_month_minor=figures["live_month"],
            current_month=today_month,
            window_end=today_month if to_date >= complete else add_months(today_month, -1),
            county_rank=rank,
        )
        live = classify(live_figures, profile, policy, today)
        state = states.get(customer_id)
        held = state["tier"] if state else "standard"
        decision = decide(held=held, closes=closes, live=live, month=month, policy=policy)
        revenue = live_figures.trailing_12m_minor
        totals.customers += 1
        if state is not None and (
            decision.tier == held
            and decision.qualified == state["qualified"]
            and revenue == state["revenue_12m_minor"]
            and (state["policy_id"], state["policy_version"]) == (policy.id, policy.version)
        ):
            continue
        sequence = (state["sequence"] if state else 0) + 1
        changed = decision.tier != held
        totals.states_changed += 1
        row = {
            "customer_id": customer_id,
            "tier": decision.tier,
            "qualified": decision.qualified,
            "revenue_12m_minor": revenue,
            "currency": policy.currency,
            "reasons": [reason.model_dump() for reason in decision.reasons],
            "since": now if changed or state is None else state["since"],
            "policy_id": policy.id,
            "policy_version": policy.version,
            "sequence": sequence,
            "evaluated_at": now,
        }
        rows.append(row)
        if state is None or revenue != state["revenue_12m_minor"]:
            events.append(
                RevenueUpdated(
                    customer_id=customer_id,
                    month=today_month,
                    month_amount_minor=live_figures.current_month_minor,
                    revenue_12m_minor=revenue,
                    currency=policy.currency,
                    as_of=today,
                    sequence=sequence,
                )
            )
        if changed and customer_id not in overridden:
            totals.tier_changes += 1
            events.append(
                tier_changed(
                    row, old_tier=held, new_tier=decision.tier, reasons=decision.reasons, policy=policy, changed_at=now
                )
            )
    await tiers.save_states(session, rows)
    await outbox.add(session, events)
