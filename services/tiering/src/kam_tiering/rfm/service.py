"""RFM at a month's close (seed 004): recency, frequency and monetary value, scored 1-5 by quintile."""

import calendar
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.clock import Clock, add_months
from kam_shared.db import lock_for_transaction
from kam_shared.messaging.outbox import Outbox
from kam_tiering.rfm import repository
from kam_tiering.rfm.policy import rfm_policy
from kam_tiering.tier.policy import Policy

BATCH = 2000


async def score_for_close(session: AsyncSession, *, month: str, policy: Policy, outbox: Outbox, clock: Clock) -> int:
    """Scores every customer billed on or before the month's last day; returns how many were scored.

    Recency is days from the last billing to the month's last day, frequency the days with billing in the window
    (the policy's months ending with `month`), monetary the revenue counted in those months. A score is the
    customer's quintile among all scored: 1 + 5 * (customers strictly worse) // (customers scored), so equal
    figures score alike. Running it again replaces the month's scores with the same ones. Nothing is announced:
    the event contract has no RFM event (`outbox` is taken for the close's uniform call)."""
    rules = rfm_policy(policy)
    await lock_for_transaction(session, [f"kam-rfm:{month}"])
    first_month = add_months(month, 1 - rules.window_months)
    last_day = _last_day(month)
    query = repository.ranked_figures(
        first_month=first_month, month=month, first_day=_first_day(first_month), last_day=last_day
    )
    figures = (await session.execute(query)).all()
    await repository.clear(session, month)
    now = clock.now()
    rows = []
    for row in figures:
        population = int(row.population)
        r, f, m = (_quintile(int(rank), population) for rank in (row.r_rank, row.f_rank, row.m_rank))
        last_billed_on = _as_date(row.last_billed_on)
        rows.append(
            {
                "month": month,
                "customer_id": row.customer_id,
                "last_billed_on": last_billed_on,
                "recency_days": (last_day - last_billed_on).days,
                "frequency_days": int(row.frequency_days),
                "monetary_minor": int(row.monetary_minor),
                "currency": policy.currency,
                "r_score": r,
                "f_score": f,
                "m_score": m,
                "segment": rules.segment_for(r, f, m),
                "policy_id": policy.id,
                "policy_version": policy.version,
                "scored_at": now,
            }
        )
    for start in range(0, len(rows), BATCH):
        await repository.insert_scores(session, rows[start : start + BATCH])
    return len(rows)


def _quintile(rank: int, population: int) -> int:
    # RANK() is 1 + the number of customers strictly worse on this figure.
    return 1 + 5 * (rank - 1) // population


def _first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def _last_day(month: str) -> date:
    year, mon = int(month[:4]), int(month[5:7])
    return date(year, mon, calendar.monthrange(year, mon)[1])


def _as_date(value: date | str) -> date:
    # SQLite hands back an aggregate of a date column as text.
    return value if isinstance(value, date) else date.fromisoformat(value)
