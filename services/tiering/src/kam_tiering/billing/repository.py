"""Ledger queries, all in SQLAlchemy Core: this is the path that carries the traffic."""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import and_, bindparam, func, or_, select, union, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.db import insert_ignoring_conflicts, upsert_adding
from kam_shared.events.catalog import BillingPosted
from kam_shared.reads import Reads
from kam_tiering.billing.models import BillingIntake, LedgerLine, MonthlyRevenue
from kam_tiering.billing.rules import Charge
from kam_tiering.customer.models import AccountLink, CustomerProfile

intake = BillingIntake.__table__
ledger = LedgerLine.__table__
monthly = MonthlyRevenue.__table__
links = AccountLink.__table__
profiles = CustomerProfile.__table__


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def claim_intake(
    session: AsyncSession,
    claims: Mapping[str, tuple[str, BillingPosted]],
    received_at: datetime,
    submitted_by: str | None = None,
) -> set[str]:
    """Records billing ids as taken in, with the fingerprint of their content, their amount and the charge a
    correction takes from; returns those not taken before."""
    if not claims:
        return set()
    stmt = insert_ignoring_conflicts(intake, _dialect(session), ["billing_id"]).returning(intake.c.billing_id)
    result = await session.execute(
        stmt,
        [
            {
                "billing_id": billing_id,
                "received_at": received_at,
                "fingerprint": fingerprint,
                "amount_minor": event.amount_minor,
                "corrects_billing_id": event.corrects_billing_id,
                "submitted_by": submitted_by,
            }
            for billing_id, (fingerprint, event) in claims.items()
        ],
    )
    return set(result.scalars())


def _not_in_ledger():
    return ~select(ledger.c.billing_id).where(ledger.c.billing_id == intake.c.billing_id).exists()


async def pending_charges(session: AsyncSession, billing_ids: Iterable[str]) -> dict[str, Charge]:
    """Billing accepted by the intake that has not reached the ledger yet, as a correction sees it: its amount
    is known, where it counts is decided when it gets there."""
    billing_ids = list(billing_ids)
    if not billing_ids:
        return {}
    rows = await session.execute(
        select(intake.c.billing_id, intake.c.amount_minor, intake.c.corrects_billing_id).where(
            intake.c.billing_id.in_(billing_ids), intake.c.amount_minor.is_not(None), _not_in_ledger()
        )
    )
    return {
        row.billing_id: Charge(
            billing_id=row.billing_id,
            customer_id=None,
            account_no=None,
            amount_minor=row.amount_minor,
            month="",
            counted=False,
            is_correction=row.corrects_billing_id is not None,
            settled=False,
        )
        for row in rows
    }


async def pending_takes(session: AsyncSession, originals: Iterable[str]) -> dict[str, int]:
    """What corrections accepted by the intake, and not in the ledger yet, take from each of these charges."""
    originals = list(originals)
    if not originals:
        return {}
    rows = await session.execute(
        select(intake.c.corrects_billing_id, func.sum(intake.c.amount_minor))
        .where(intake.c.corrects_billing_id.in_(originals), _not_in_ledger())
        .group_by(intake.c.corrects_billing_id)
    )
    return {original: -int(amount) for original, amount in rows}


async def intake_fingerprints(session: AsyncSession, billing_ids: Iterable[str]) -> dict[str, str | None]:
    billing_ids = list(billing_ids)
    if not billing_ids:
        return {}
    rows = await session.execute(
        select(intake.c.billing_id, intake.c.fingerprint).where(intake.c.billing_id.in_(billing_ids))
    )
    return dict(rows.all())


async def in_ledger(session: AsyncSession, billing_ids: Iterable[str]) -> set[str]:
    billing_ids = list(billing_ids)
    if not billing_ids:
        return set()
    return set(
        (await session.execute(select(ledger.c.billing_id).where(ledger.c.billing_id.in_(billing_ids)))).scalars()
    )


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


async def announced(session: AsyncSession, customers: Iterable[str]) -> set[str]:
    """The customers the registry has announced: registered, or holding an account it linked."""
    customers = list({customer for customer in customers if customer is not None})
    if not customers:
        return set()
    query = union(
        select(profiles.c.customer_id).where(profiles.c.customer_id.in_(customers)),
        select(links.c.customer_id).where(links.c.customer_id.in_(customers)),
    )
    return set((await session.execute(query)).scalars())


async def holders(session: AsyncSession, accounts: Iterable[str]) -> dict[str, list[tuple[date, str | None]]]:
    """Every known holder of each account, oldest first, as (effective_from, customer_id); None after a move-out."""
    accounts = list(accounts)
    found: dict[str, list[tuple[date, str | None]]] = defaultdict(list)
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
    """Records who holds the account from the date; a move-out recorded for that day gives way to the link."""
    insert = (postgresql if _dialect(session) == "postgresql" else sqlite).insert(links)
    stmt = insert.on_conflict_do_update(
        index_elements=["account_no", "effective_from"],
        set_={"customer_id": insert.excluded.customer_id},
        where=links.c.customer_id.is_(None),
    ).returning(links.c.account_no)
    result = await session.execute(
        stmt, [{"account_no": account_no, "effective_from": effective_from, "customer_id": customer_id}]
    )
    return result.first() is not None


async def add_move_out(session: AsyncSession, account_no: str, effective_to: date) -> bool:
    """Records that nobody holds the account from the date on; a link for that day stands."""
    stmt = insert_ignoring_conflicts(links, _dialect(session), ["account_no", "effective_from"]).returning(
        links.c.account_no
    )
    result = await session.execute(stmt, [{"account_no": account_no, "effective_from": effective_to}])
    return result.first() is not None


_CHARGE_COLUMNS = (
    ledger.c.billing_id,
    ledger.c.customer_id,
    ledger.c.account_no,
    ledger.c.amount_minor,
    ledger.c["items"],
    ledger.c.month,
    ledger.c.counted,
    ledger.c.corrects_billing_id,
)


def _charge(row, taken: int) -> Charge:
    return Charge(
        billing_id=row.billing_id,
        customer_id=row.customer_id,
        account_no=row.account_no,
        amount_minor=row.amount_minor,
        month=row.month,
        counted=row.counted,
        is_correction=row.corrects_billing_id is not None,
        taken_minor=taken,
    )


async def charges(session: AsyncSession, billing_ids: Iterable[str]) -> dict[str, Charge]:
    """The ledger lines corrections refer to, with what their corrections already take from them.

    Of a counted charge, its counted corrections take; of a waiting one, all corrections waiting with it."""
    billing_ids = list(billing_ids)
    if not billing_ids:
        return {}
    rows = (await session.execute(select(*_CHARGE_COLUMNS).where(ledger.c.billing_id.in_(billing_ids)))).all()
    taken: dict[tuple[str, bool], int] = {}
    sums = await session.execute(
        select(ledger.c.corrects_billing_id, ledger.c.counted, func.sum(ledger.c.amount_minor))
        .where(ledger.c.corrects_billing_id.in_(billing_ids))
        .group_by(ledger.c.corrects_billing_id, ledger.c.counted)
    )
    for original, counted, amount in sums:
        taken[(original, counted)] = -int(amount)
    found = {}
    for row in rows:
        if row.counted:
            spent = taken.get((row.billing_id, True), 0)
        else:
            spent = taken.get((row.billing_id, True), 0) + taken.get((row.billing_id, False), 0)
        found[row.billing_id] = _charge(row, spent)
    return found


async def waiting_corrections(session: AsyncSession, originals: Iterable[str]) -> list:
    """Corrections of these charges that do not count yet, in the order they are to be applied."""
    originals = list(originals)
    if not originals:
        return []
    rows = await session.execute(
        select(
            ledger.c.billing_id,
            ledger.c.corrects_billing_id,
            ledger.c.customer_id,
            ledger.c.account_no,
            ledger.c.via_account,
            ledger.c.amount_minor,
            ledger.c["items"],
        )
        .where(ledger.c.corrects_billing_id.in_(originals), ledger.c.counted.is_(False))
        .order_by(ledger.c.posted_on, ledger.c.recorded_at, ledger.c.billing_id)
    )
    return list(rows)


async def waiting_charges_of(session: AsyncSession, customers: Iterable[str]) -> list:
    """Charges of these customers that wait only for the customer to be announced."""
    customers = list(customers)
    if not customers:
        return []
    rows = await session.execute(
        select(*_CHARGE_COLUMNS)
        .where(
            ledger.c.customer_id.in_(customers),
            ledger.c.counted.is_(False),
            ledger.c.corrects_billing_id.is_(None),
        )
        .with_for_update()
    )
    return list(rows)


async def mark_counted(session: AsyncSession, lines: Sequence[dict]) -> None:
    """Marks lines as counted for a customer in a month: [{billing_id, customer_id, month}]."""
    if lines:
        stmt = (
            update(ledger)
            .where(ledger.c.billing_id == bindparam("line_id"))
            .values(customer_id=bindparam("owner"), month=bindparam("in_month"), counted=True)
        )
        await session.execute(
            stmt,
            [
                {"line_id": line["billing_id"], "owner": line["customer_id"], "in_month": line["month"]}
                for line in lines
            ],
        )


def _in_span(account_no: str, effective_from: date, effective_to: date | None):
    """The account's lines billed in [effective_from, effective_to) through the account.

    Charges go by their own date; a correction goes with the charge it corrects, whatever its own date (one
    whose charge never reached the ledger goes by its own date)."""
    in_period = [ledger.c.posted_on >= effective_from]
    if effective_to is not None:
        in_period.append(ledger.c.posted_on < effective_to)
    period_charges = select(ledger.c.billing_id).where(
        ledger.c.account_no == account_no,
        ledger.c.via_account.is_(True),
        ledger.c.corrects_billing_id.is_(None),
        *in_period,
    )
    return and_(
        ledger.c.account_no == account_no,
        ledger.c.via_account.is_(True),
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


async def reattribute(
    session: AsyncSession, account_no: str, customer_id: str, effective_from: date, effective_to: date | None
) -> list:
    """Hands the account's lines in [effective_from, effective_to) to its holder over that span.

    Lines waiting for a holder and lines counted for a previous holder alike; lines a partner posted against a
    named customer stay where they are. Charges that waited only for their holder count from now on; the
    corrections of a counted charge move with it. Returns each line moved as it was before the move."""
    moving = (
        await session.execute(
            select(*_CHARGE_COLUMNS)
            .where(
                _in_span(account_no, effective_from, effective_to),
                or_(ledger.c.customer_id.is_(None), ledger.c.customer_id != customer_id),
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
        charges_now_counted = [row.billing_id for row in moving if row.corrects_billing_id is None]
        if charges_now_counted:
            await session.execute(
                update(ledger).where(ledger.c.billing_id.in_(charges_now_counted)).values(counted=True)
            )
    return moving


async def release(session: AsyncSession, account_no: str, effective_from: date, effective_to: date | None) -> list:
    """Takes the account's lines in [effective_from, effective_to) from whoever they counted or waited for: they
    wait for the account's next holder. Returns each line released as it was before."""
    released = (
        await session.execute(
            select(*_CHARGE_COLUMNS)
            .where(_in_span(account_no, effective_from, effective_to), ledger.c.customer_id.is_not(None))
            .with_for_update()
        )
    ).all()
    if released:
        await session.execute(
            update(ledger)
            .where(ledger.c.billing_id.in_([row.billing_id for row in released]))
            .values(customer_id=None, counted=False)
        )
    return released


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


_SERIES = (
    select(monthly.c.month, monthly.c.amount_minor, monthly.c["items"], monthly.c.lines, monthly.c.currency)
    .where(
        monthly.c.customer_id == bindparam("customer_id"),
        monthly.c.month >= bindparam("from_month"),
        monthly.c.month <= bindparam("to_month"),
    )
    .order_by(monthly.c.month)
)


async def series(reads: Reads, customer_id: str, from_month: str, to_month: str) -> list[dict]:
    return await reads.all(_SERIES, customer_id=customer_id, from_month=from_month, to_month=to_month)
