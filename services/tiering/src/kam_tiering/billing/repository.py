"""Ledger queries, all in SQLAlchemy Core: this is the path that carries the traffic."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.db import insert_ignoring_conflicts, upsert_adding
from kam_tiering.billing.models import BillingIntake, LedgerLine, MonthlyRevenue
from kam_tiering.customer.models import AccountLink

intake = BillingIntake.__table__
ledger = LedgerLine.__table__
monthly = MonthlyRevenue.__table__
links = AccountLink.__table__


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def claim_intake(session: AsyncSession, billing_ids: Sequence[str], received_at: datetime) -> set[str]:
    """Records billing ids as received; returns those not received before."""
    if not billing_ids:
        return set()
    stmt = insert_ignoring_conflicts(intake, _dialect(session), ["billing_id"]).returning(intake.c.billing_id)
    result = await session.execute(
        stmt, [{"billing_id": billing_id, "received_at": received_at} for billing_id in billing_ids]
    )
    return set(result.scalars())


async def insert_lines(session: AsyncSession, rows: Sequence[dict]) -> set[str]:
    """Inserts ledger lines; a billing id already in the ledger is skipped. Returns the ids inserted."""
    if not rows:
        return set()
    stmt = insert_ignoring_conflicts(ledger, _dialect(session), ["billing_id"]).returning(ledger.c.billing_id)
    return set((await session.execute(stmt, list(rows))).scalars())


async def add_monthly(session: AsyncSession, deltas: Sequence[dict]) -> None:
    """Adds amounts, items and line counts to (customer, month) totals."""
    if deltas:
        stmt = upsert_adding(
            monthly, _dialect(session), ["customer_id", "month"], added=["amount_minor", "items", "lines"]
        )
        await session.execute(stmt, list(deltas))


async def holders(session: AsyncSession, accounts: Iterable[str]) -> dict[str, list[tuple[date, str]]]:
    """Every known holder of each account, oldest first, as (effective_from, customer_id)."""
    accounts = list(accounts)
    found: dict[str, list[tuple[date, str]]] = defaultdict(list)
    if not accounts:
        return found
    rows = await session.execute(
        select(links.c.account_no, links.c.effective_from, links.c.customer_id)
        .where(links.c.account_no.in_(accounts))
        .order_by(links.c.account_no, links.c.effective_from)
    )
    for account_no, effective_from, customer_id in rows:
        found[account_no].append((effective_from, customer_id))
    return found


async def add_link(session: AsyncSession, account_no: str, effective_from: date, customer_id: str) -> bool:
    stmt = insert_ignoring_conflicts(links, _dialect(session), ["account_no", "effective_from"]).returning(
        links.c.account_no
    )
    result = await session.execute(
        stmt, [{"account_no": account_no, "effective_from": effective_from, "customer_id": customer_id}]
    )
    return result.first() is not None


async def owners_of(session: AsyncSession, billing_ids: Iterable[str]) -> dict[str, str | None]:
    """The customer each of these ledger lines counts for (None while it waits for its account)."""
    billing_ids = list(billing_ids)
    if not billing_ids:
        return {}
    rows = await session.execute(
        select(ledger.c.billing_id, ledger.c.customer_id).where(ledger.c.billing_id.in_(billing_ids))
    )
    return dict(rows.all())


async def reattribute(
    session: AsyncSession, account_no: str, customer_id: str, effective_from: date, effective_to: date | None
) -> list[tuple[str | None, str, int, int]]:
    """Hands the account's lines in [effective_from, effective_to) to its holder over that span.

    Lines waiting for a holder and lines counted for a previous holder alike; lines a partner posted against a
    named customer stay where they are. Returns (previous customer, month, amount, items) of each line moved."""
    in_period = [ledger.c.posted_on >= effective_from]
    if effective_to is not None:
        in_period.append(ledger.c.posted_on < effective_to)
    period_charges = select(ledger.c.billing_id).where(
        ledger.c.account_no == account_no,
        ledger.c.via_account.is_(True),
        ledger.c.corrects_billing_id.is_(None),
        *in_period,
    )
    # Charges move by their own date; a correction moves with the charge it corrects, whatever its own date
    # (one whose charge never reached the ledger goes by its own date).
    moving = (
        await session.execute(
            select(ledger.c.billing_id, ledger.c.customer_id, ledger.c.month, ledger.c.amount_minor, ledger.c["items"])
            .where(
                ledger.c.account_no == account_no,
                ledger.c.via_account.is_(True),
                or_(ledger.c.customer_id.is_(None), ledger.c.customer_id != customer_id),
                or_(
                    ledger.c.billing_id.in_(period_charges),
                    ledger.c.corrects_billing_id.in_(period_charges),
                    and_(
                        ledger.c.corrects_billing_id.is_not(None),
                        ledger.c.corrects_billing_id.not_in(select(ledger.c.billing_id)),
                        *in_period,
                    ),
                ),
            )
            .with_for_update()
        )
    ).all()
    if moving:
        await session.execute(
            update(ledger)
            .where(ledger.c.billing_id.in_([row.billing_id for row in moving]))
            .values(customer_id=customer_id)
        )
    return [(row.customer_id, row.month, row.amount_minor, row[4]) for row in moving]


async def months_for(session: AsyncSession, customers: Iterable[str], since_month: str) -> dict[str, dict[str, int]]:
    customers = list(customers)
    found: dict[str, dict[str, int]] = defaultdict(dict)
    if not customers:
        return found
    rows = await session.execute(
        select(monthly.c.customer_id, monthly.c.month, monthly.c.amount_minor).where(
            monthly.c.customer_id.in_(customers), monthly.c.month >= since_month
        )
    )
    for customer_id, month, amount in rows:
        found[customer_id][month] = amount
    return found


async def series(session: AsyncSession, customer_id: str, from_month: str, to_month: str) -> list:
    rows = await session.execute(
        select(monthly.c.month, monthly.c.amount_minor, monthly.c["items"], monthly.c.lines, monthly.c.currency)
        .where(monthly.c.customer_id == customer_id, monthly.c.month >= from_month, monthly.c.month <= to_month)
        .order_by(monthly.c.month)
    )
    return list(rows)


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
        .where(ledger.c.customer_id.is_(None))
        .group_by(ledger.c.account_no, ledger.c.currency)
        .order_by(func.sum(ledger.c.amount_minor).desc())
        .limit(limit)
    )
    return list(rows)
