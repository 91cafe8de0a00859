"""Queries behind the waiting views: billing in the ledger that does not count yet, and why."""

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kam_tiering.billing.repository import ledger

charge = ledger.alias("charge")

# Why a line waits, from what it waits for; a correction first waits for its charge.
_REASON = case(
    (and_(ledger.c.corrects_billing_id.is_not(None), charge.c.billing_id.is_(None)), "charge-not-arrived"),
    (and_(ledger.c.corrects_billing_id.is_not(None), charge.c.counted.is_(True)), "refused-by-charge"),
    (ledger.c.corrects_billing_id.is_not(None), "charge-waiting"),
    (ledger.c.customer_id.is_(None), "account-not-linked"),
    else_="customer-not-registered",
).label("reason")


async def waiting_by_account(session: AsyncSession, limit: int) -> list:
    rows = await session.execute(
        select(
            ledger.c.account_no,
            func.count().label("lines"),
            func.sum(ledger.c.amount_minor).label("amount_minor"),
            ledger.c.currency,
            func.min(ledger.c.posted_on).label("first_posted_on"),
            func.max(ledger.c.posted_on).label("last_posted_on"),
        )
        .where(ledger.c.customer_id.is_(None), ledger.c.counted.is_(False))
        .group_by(ledger.c.account_no, ledger.c.currency)
        .order_by(func.sum(ledger.c.amount_minor).desc(), ledger.c.account_no)
        .limit(limit)
    )
    return list(rows)


async def waiting_billing(session: AsyncSession, limit: int) -> list:
    rows = await session.execute(
        select(
            _REASON,
            ledger.c.account_no,
            ledger.c.customer_id,
            func.count().label("lines"),
            func.sum(ledger.c.amount_minor).label("amount_minor"),
            ledger.c.currency,
            func.min(ledger.c.posted_on).label("first_posted_on"),
            func.max(ledger.c.posted_on).label("last_posted_on"),
        )
        .select_from(ledger.outerjoin(charge, charge.c.billing_id == ledger.c.corrects_billing_id))
        .where(ledger.c.counted.is_(False))
        .group_by(_REASON, ledger.c.account_no, ledger.c.customer_id, ledger.c.currency)
        .order_by(func.count().desc(), _REASON, ledger.c.account_no, ledger.c.customer_id)
        .limit(limit)
    )
    return list(rows)
