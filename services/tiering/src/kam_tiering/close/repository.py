"""Queries of the month close, in SQLAlchemy Core: figures are summed in the database, a batch of customers at a
time, so a close reads one row per customer whatever the length of its history."""

from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.db import upsert_adding
from kam_tiering.billing.models import MonthlyRevenue
from kam_tiering.close.models import MonthClose
from kam_tiering.customer.models import CustomerProfile
from kam_tiering.tier.models import TierState
from kam_tiering.tier.repository import agreement_active_on

monthly = MonthlyRevenue.__table__
profiles = CustomerProfile.__table__
closes = MonthClose.__table__
states = TierState.__table__

Windows = Mapping[str, tuple[str, str]]  # name -> (first month, last month), both included


async def customer_batch(session: AsyncSession, *, after: str | None, size: int) -> list[str]:
    """The next `size` customers tiering has decided a tier for, in id order after `after`: every customer the
    registry announced, by registration or by a link of an account to it."""
    query = select(states.c.customer_id).order_by(states.c.customer_id).limit(size)
    if after is not None:
        query = query.where(states.c.customer_id > after)
    return list((await session.execute(query)).scalars())


async def window_sums(session: AsyncSession, customers: Sequence[str], windows: Windows) -> dict[str, dict[str, int]]:
    """For each customer, the sum of its monthly revenue over each named window (0 where nothing counts)."""
    first = min(start for start, _ in windows.values())
    last = max(end for _, end in windows.values())
    columns = [
        func.coalesce(func.sum(case((monthly.c.month.between(start, end), monthly.c.amount_minor), else_=0)), 0).label(
            name
        )
        for name, (start, end) in windows.items()
    ]
    rows = await session.execute(
        select(monthly.c.customer_id, *columns)
        .where(monthly.c.customer_id.in_(customers), monthly.c.month.between(first, last))
        .group_by(monthly.c.customer_id)
    )
    found = {customer_id: dict.fromkeys(windows, 0) for customer_id in customers}
    for row in rows:
        found[row.customer_id] = {name: int(getattr(row, name)) for name in windows}
    return found


async def agreement_revenue_by_county(session: AsyncSession, *, first: str, last: str, day: date) -> dict:
    """Per county, each customer with an agreement in force on `day` and its revenue over [first, last]."""
    rows = await session.execute(
        select(
            profiles.c.county,
            profiles.c.customer_id,
            func.coalesce(func.sum(monthly.c.amount_minor), 0).label("revenue"),
        )
        .select_from(
            profiles.outerjoin(
                monthly, and_(monthly.c.customer_id == profiles.c.customer_id, monthly.c.month.between(first, last))
            )
        )
        .where(profiles.c.county.is_not(None), agreement_active_on(day))
        .group_by(profiles.c.county, profiles.c.customer_id)
    )
    found: dict[str, dict[str, int]] = {}
    for county, customer_id, revenue in rows:
        found.setdefault(county, {})[customer_id] = int(revenue)
    return found


async def get_close(session: AsyncSession, month: str) -> dict | None:
    row = (await session.execute(select(closes).where(closes.c.month == month))).first()
    return row._asdict() if row else None


async def latest_closed_month(session: AsyncSession) -> str | None:
    return (await session.execute(select(func.max(closes.c.month)))).scalar()


async def list_closes(session: AsyncSession, *, limit: int) -> list[dict]:
    rows = await session.execute(select(closes).order_by(closes.c.month.desc()).limit(limit))
    return [row._asdict() for row in rows]


async def record_close(session: AsyncSession, row: dict) -> None:
    """Inserts the month's close, or updates it: one more run, the latest figures, the first close kept."""
    replaced = ["closed_at", "customers", "tier_changes", "states_changed", "policy_id", "policy_version"]
    stmt = upsert_adding(closes, session.get_bind().dialect.name, ["month"], added=["runs"], replaced=replaced)
    await session.execute(stmt, [{**row, "runs": 1}])
