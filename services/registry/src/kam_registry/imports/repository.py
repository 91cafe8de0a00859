"""Every query of an import: what the registry already holds of a file's customers, and the set-based writes."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, tuple_, union, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.archive.models import ArchivePart
from kam_registry.billing_account.models import BillingAccount, BillingAccountLink
from kam_registry.customer.models import Customer
from kam_registry.imports.models import CustomerImport
from kam_registry.manager.models import ManagerAssignment
from kam_registry.staff.models import Staff

customers = Customer.__table__
accounts = BillingAccount.__table__
links = BillingAccountLink.__table__
assignments = ManagerAssignment.__table__
archive = ArchivePart.__table__
staff = Staff.__table__
imports = CustomerImport.__table__

# Values in one IN list: well under SQLite's limit of bound parameters.
CHUNK = 900

_CUSTOMER = (
    customers.c.id,
    customers.c.external_id,
    customers.c.version,
    customers.c.normalized_name,
    customers.c.full_name,
    customers.c.short_name,
    customers.c.uscc,
    customers.c.industry,
    customers.c.branch,
    customers.c.county,
    customers.c.address,
    customers.c.postcode,
    customers.c.important,
    customers.c.potential,
    customers.c.agreement_signed_on,
    customers.c.agreement_expires_on,
    customers.c.contacts,
    customers.c.created_at,
    customers.c.tier,
)


def _chunks(values: Iterable[Any]) -> list[list[Any]]:
    ordered = sorted(set(values))
    return [ordered[start : start + CHUNK] for start in range(0, len(ordered), CHUNK)]


async def _rows(session: AsyncSession, statement, column, values: Iterable[Any]) -> list[Row]:
    found: list[Row] = []
    for chunk in _chunks(values):
        found.extend((await session.execute(statement.where(column.in_(chunk)))).all())
    return found


async def customers_by(session: AsyncSession, column: str, values: Iterable[str]) -> dict[str, dict]:
    rows = await _rows(session, select(*_CUSTOMER), customers.c[column], values)
    return {row._mapping[column]: dict(row._mapping) for row in rows}


async def names_taken(session: AsyncSession, names: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Normalised name -> (id, full name) of a customer registered under it."""
    rows = await _rows(
        session,
        select(customers.c.normalized_name, customers.c.id, customers.c.full_name),
        customers.c.normalized_name,
        names,
    )
    return {row.normalized_name: (row.id, row.full_name) for row in rows}


async def holders(session: AsyncSession, account_nos: Iterable[str]) -> dict[str, Row]:
    rows = await _rows(
        session,
        select(accounts.c.account_no, accounts.c.customer_id, accounts.c.effective_from, accounts.c.closed_on),
        accounts.c.account_no,
        account_nos,
    )
    return {row.account_no: row for row in rows}


async def staff_states(session: AsyncSession, staff_ids: Iterable[str]) -> dict[str, bool]:
    rows = await _rows(session, select(staff.c.id, staff.c.active), staff.c.id, staff_ids)
    return {row.id: row.active for row in rows}


async def known_org_units(session: AsyncSession) -> set[str]:
    # Both columns are indexed: the distinct values come from the indexes.
    statement = union(select(customers.c.branch).distinct(), select(staff.c.org_unit).distinct())
    return {value for (value,) in (await session.execute(statement)).all()}


async def current_managers(session: AsyncSession, customer_ids: Iterable[str]) -> dict[str, dict[str, str]]:
    rows = await _rows(
        session,
        select(assignments.c.customer_id, assignments.c.role, assignments.c.staff_id).where(
            assignments.c.ended_at.is_(None)
        ),
        assignments.c.customer_id,
        customer_ids,
    )
    found: dict[str, dict[str, str]] = {}
    for row in rows:
        found.setdefault(row.customer_id, {})[row.role] = row.staff_id
    return found


async def key_persons(session: AsyncSession, customer_ids: Iterable[str]) -> dict[str, list[dict]]:
    rows = await _rows(
        session,
        select(archive.c.customer_id, archive.c.data).where(archive.c.part == "key_persons"),
        archive.c.customer_id,
        customer_ids,
    )
    return {row.customer_id: list((row.data or {}).get("key_persons", [])) for row in rows}


async def insert_customers(session: AsyncSession, rows: Sequence[dict]) -> None:
    if rows:
        await session.execute(insert(customers), list(rows))


async def update_customers(session: AsyncSession, rows: Sequence[dict]) -> int:
    """Writes each row's values over the version it was planned on; how many were written."""
    written = 0
    for row in rows:
        values = {name: value for name, value in row.items() if name not in ("id", "version")}
        result = await session.execute(
            update(customers)
            .where(customers.c.id == row["id"], customers.c.version == row["version"])
            .values(**values, version=row["version"] + 1)
        )
        written += result.rowcount
    return written


async def link_accounts(session: AsyncSession, rows: Sequence[dict]) -> None:
    """New holdings: the account's holder now and the start of its history (accounts held by nobody yet, or
    moved out before the holding starts)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    statement = (postgresql if dialect == "postgresql" else sqlite).insert(accounts)
    statement = statement.on_conflict_do_update(
        index_elements=["account_no"],
        set_={
            "customer_id": statement.excluded.customer_id,
            "effective_from": statement.excluded.effective_from,
            "linked_at": statement.excluded.linked_at,
            "closed_on": None,
        },
    )
    await session.execute(statement, [{**row, "closed_on": None} for row in rows])
    await session.execute(insert(links), list(rows))


async def end_assignments(session: AsyncSession, ended: Sequence[tuple[str, str]], at: datetime) -> None:
    if ended:
        await session.execute(
            update(assignments)
            .where(
                tuple_(assignments.c.customer_id, assignments.c.role).in_(list(ended)),
                assignments.c.ended_at.is_(None),
            )
            .values(ended_at=at)
        )


async def add_assignments(session: AsyncSession, rows: Sequence[dict]) -> None:
    if rows:
        await session.execute(insert(assignments), list(rows))


async def save_key_persons(session: AsyncSession, rows: Sequence[dict]) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    statement = (postgresql if dialect == "postgresql" else sqlite).insert(archive)
    statement = statement.on_conflict_do_update(
        index_elements=["customer_id", "part"],
        set_={
            "data": statement.excluded.data,
            "refreshed_at": statement.excluded.refreshed_at,
            "refreshed_by": statement.excluded.refreshed_by,
        },
    )
    await session.execute(statement, list(rows))


async def add_import(session: AsyncSession, values: dict) -> None:
    await session.execute(insert(imports).values(**values))


async def set_import(session: AsyncSession, import_id: str, **values: Any) -> None:
    await session.execute(update(imports).where(imports.c.id == import_id).values(**values))


async def get_import(session: AsyncSession, import_id: str) -> dict | None:
    row = (await session.execute(select(imports).where(imports.c.id == import_id))).first()
    return dict(row._mapping) if row else None


async def interrupt_unfinished(session: AsyncSession, at: datetime) -> int:
    result = await session.execute(
        update(imports).where(imports.c.state.in_(("queued", "running"))).values(state="interrupted", finished_at=at)
    )
    return result.rowcount


async def recent_imports(session: AsyncSession, limit: int) -> list[dict]:
    rows = (await session.execute(select(imports).order_by(imports.c.created_at.desc()).limit(limit))).all()
    return [dict(row._mapping) for row in rows]
