from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kam_reporting.customer_view.repository import customer_view
from kam_shared.security.scoping import within


@dataclass(frozen=True, slots=True)
class TierGroup:
    tier: str
    currency: str | None
    customers: int
    revenue_12m_minor: int
    as_of: date | None


async def tier_groups(session: AsyncSession, *, branch: str | None = None, unit: str | None = None) -> list[TierGroup]:
    """Customers, revenue and latest revenue date per tier, split by currency so amounts are never mixed.

    Only customers the registry has announced count: a row that tiering's events created first holds their
    figures until customer.registered arrives, and is no customer before. With `unit`, only customers of that
    org unit and the units below it."""
    view = customer_view
    statement = (
        select(
            view.c.tier,
            view.c.currency,
            func.count().label("customers"),
            func.coalesce(func.sum(view.c.revenue_12m_minor), 0).label("revenue"),
            func.max(view.c.revenue_as_of).label("as_of"),
        )
        .where(view.c.registered_at.is_not(None), within(view.c.branch, unit))
        .group_by(view.c.tier, view.c.currency)
    )
    if branch is not None:
        statement = statement.where(view.c.branch == branch)
    rows = (await session.execute(statement)).all()
    # PostgreSQL's sum(bigint) is numeric and comes back as Decimal.
    return [TierGroup(row.tier, row.currency, row.customers, int(row.revenue), row.as_of) for row in rows]
