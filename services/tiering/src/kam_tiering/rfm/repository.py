"""RFM queries in SQLAlchemy Core: one grouped pass over the counted charges, ranked by window functions."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, case, delete, distinct, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.security.scoping import within
from kam_tiering.billing.models import LedgerLine, MonthlyRevenue
from kam_tiering.customer.models import CustomerProfile
from kam_tiering.rfm.models import RfmScore

scores = RfmScore.__table__
ledger = LedgerLine.__table__
monthly = MonthlyRevenue.__table__
profiles = CustomerProfile.__table__


def ranked_figures(*, first_month: str, month: str, first_day: date, last_day: date) -> Select:
    """Every customer billed on or before the window's last day: last billing date, billing days and revenue in
    the window, and its rank on each (RANK: ties share the lowest place, 1 = worst)."""
    charges = (
        select(
            ledger.c.customer_id,
            func.max(ledger.c.posted_on).label("last_billed_on"),
            func.count(distinct(case((ledger.c.posted_on >= first_day, ledger.c.posted_on)))).label("frequency_days"),
        )
        .where(
            ledger.c.counted.is_(True),
            ledger.c.corrects_billing_id.is_(None),
            ledger.c.customer_id.is_not(None),
            ledger.c.amount_minor > 0,
            ledger.c.posted_on <= last_day,
        )
        .group_by(ledger.c.customer_id)
        .subquery("charges")
    )
    money = (
        select(monthly.c.customer_id, func.sum(monthly.c.amount_minor).label("amount_minor"))
        .where(monthly.c.month >= first_month, monthly.c.month <= month)
        .group_by(monthly.c.customer_id)
        .subquery("money")
    )
    monetary = func.coalesce(money.c.amount_minor, 0)
    return select(
        charges.c.customer_id,
        charges.c.last_billed_on,
        charges.c.frequency_days,
        monetary.label("monetary_minor"),
        func.count().over().label("population"),
        func.rank().over(order_by=charges.c.last_billed_on).label("r_rank"),
        func.rank().over(order_by=charges.c.frequency_days).label("f_rank"),
        func.rank().over(order_by=monetary).label("m_rank"),
    ).outerjoin(money, money.c.customer_id == charges.c.customer_id)


async def clear(session: AsyncSession, month: str) -> None:
    await session.execute(delete(scores).where(scores.c.month == month))


async def insert_scores(session: AsyncSession, rows: Sequence[dict]) -> None:
    if rows:
        await session.execute(insert(scores), list(rows))


async def latest_month(session: AsyncSession, customer_id: str | None = None) -> str | None:
    query = select(func.max(scores.c.month))
    if customer_id is not None:
        query = query.where(scores.c.customer_id == customer_id)
    return (await session.execute(query)).scalar()


async def score_of(session: AsyncSession, customer_id: str, month: str):
    return (
        await session.execute(select(scores).where(scores.c.customer_id == customer_id, scores.c.month == month))
    ).first()


async def page(
    session: AsyncSession, *, month: str, segment: str | None, after: str | None, limit: int, unit: str | None = None
) -> list:
    query = select(scores).where(scores.c.month == month)
    if unit is not None:
        query = query.join(profiles, profiles.c.customer_id == scores.c.customer_id).where(
            within(profiles.c.branch, unit)
        )
    if segment is not None:
        query = query.where(scores.c.segment == segment)
    if after is not None:
        query = query.where(scores.c.customer_id > after)
    return list(await session.execute(query.order_by(scores.c.customer_id).limit(limit)))
