from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from kam_reporting.customer_view.models import CustomerView
from kam_shared.db import insert_ignoring_conflicts, upsert_adding

customer_view = CustomerView.__table__

Row = Mapping[str, Any]


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def upsert_registrations(session: AsyncSession, rows: Sequence[Row]) -> None:
    """Creates each customer's row, or fills in the registration of a row tiering's events created first."""
    if not rows:
        return
    replaced = [name for name in rows[0] if name != "customer_id"]
    statement = upsert_adding(customer_view, _dialect(session), ["customer_id"], added=(), replaced=replaced)
    await session.execute(statement, list(rows))


async def apply_tier_changes(session: AsyncSession, rows: Sequence[Row]) -> None:
    await _apply_newer(session, rows, sequence="tier_sequence")


async def apply_revenue_updates(session: AsyncSession, rows: Sequence[Row]) -> None:
    await _apply_newer(session, rows, sequence="revenue_sequence")


async def _apply_newer(session: AsyncSession, rows: Sequence[Row], *, sequence: str) -> None:
    """Creates missing rows, then overwrites a stored row only where its `sequence` column is older.

    Two statements rather than one conditional upsert, so the dialect differences stay in kam_shared.db."""
    if not rows:
        return
    await session.execute(insert_ignoring_conflicts(customer_view, _dialect(session), ["customer_id"]), list(rows))
    stored = customer_view.c[sequence]
    fields = [name for name in rows[0] if name != "customer_id"]
    # Bound names must differ from column names in an UPDATE's SET clause, hence the prefix.
    statement = (
        update(customer_view)
        .where(
            customer_view.c.customer_id == bindparam("new_customer_id"),
            or_(stored.is_(None), stored < bindparam(f"new_{sequence}")),
        )
        .values({name: bindparam(f"new_{name}") for name in fields})
    )
    await session.execute(statement, [{f"new_{name}": value for name, value in row.items()} for row in rows])
