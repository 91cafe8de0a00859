from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Boolean, bindparam, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from kam_reporting.customer_view.models import CustomerView
from kam_shared.db import insert_ignoring_conflicts

customer_view = CustomerView.__table__

Row = Mapping[str, Any]


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def apply_profiles(session: AsyncSession, rows: Sequence[Row]) -> None:
    """Stores each customer's registry profile where it is newer than the one held, creating missing rows.

    `registered_at` is set apart from the profile: a registration always tells when the customer joined, even
    when an update overtook it; an update that arrived first stands in for it until then."""
    if not rows:
        return
    profiles = [{name: value for name, value in row.items() if name not in _JOINED} for row in rows]
    await _apply_newer(session, profiles, sequence="profile_sequence")
    view = customer_view
    statement = (
        update(view)
        .where(
            view.c.customer_id == bindparam("new_customer_id"),
            or_(view.c.registered_at.is_(None), bindparam("new_registration", type_=Boolean)),
        )
        .values(registered_at=bindparam("new_registered_at"))
    )
    await session.execute(
        statement,
        [
            {
                "new_customer_id": row["customer_id"],
                "new_registered_at": row["registered_at"],
                "new_registration": row["registration"],
            }
            for row in rows
        ],
    )


# Passed with a profile to say when the customer joined, and whether the registration itself says so.
_JOINED = ("registered_at", "registration")


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


async def apply_group_changes(session: AsyncSession, rows: Sequence[Row]) -> None:
    """Stores each customer's parent where the change is not older than the one held, creating missing rows."""
    if not rows:
        return
    await session.execute(
        insert_ignoring_conflicts(customer_view, _dialect(session), ["customer_id"]),
        [{"customer_id": row["customer_id"], "updated_at": row["updated_at"]} for row in rows],
    )
    stored = customer_view.c.group_changed_at
    statement = (
        update(customer_view)
        .where(
            customer_view.c.customer_id == bindparam("new_customer_id"),
            or_(stored.is_(None), stored <= bindparam("new_group_changed_at")),
        )
        .values({name: bindparam(f"new_{name}") for name in ("parent_id", "group_changed_at", "updated_at")})
    )
    await session.execute(statement, [{f"new_{name}": value for name, value in row.items()} for row in rows])
