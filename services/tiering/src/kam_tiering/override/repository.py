from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.db import upsert_adding
from kam_tiering.override.models import TierOverride, TierOverrideEntry

overrides = TierOverride.__table__
entries = TierOverrideEntry.__table__


async def active_for(session: AsyncSession, customers: Iterable[str], today: date) -> dict[str, dict]:
    """The overrides in force on `today` (Asia/Shanghai) for these customers."""
    customers = list(customers)
    if not customers:
        return {}
    rows = await session.execute(
        select(overrides).where(overrides.c.customer_id.in_(customers), overrides.c.expires_on >= today)
    )
    return {row.customer_id: row._asdict() for row in rows}


async def get(session: AsyncSession, customer_id: str) -> dict | None:
    row = (await session.execute(select(overrides).where(overrides.c.customer_id == customer_id))).first()
    return row._asdict() if row else None


async def expired_before(session: AsyncSession, today: date, customers: Iterable[str] | None = None) -> list[dict]:
    """Overrides whose last day lies before `today` that no one has ended yet (of these customers, if given)."""
    query = select(overrides).where(overrides.c.expires_on < today)
    if customers is not None:
        customers = list(customers)
        if not customers:
            return []
        query = query.where(overrides.c.customer_id.in_(customers))
    rows = await session.execute(query.order_by(overrides.c.customer_id))
    return [row._asdict() for row in rows]


async def save(session: AsyncSession, row: dict) -> None:
    columns = [name for name in row if name != "customer_id"]
    stmt = upsert_adding(overrides, session.get_bind().dialect.name, ["customer_id"], added=[], replaced=columns)
    await session.execute(stmt, [row])


async def remove(session: AsyncSession, customers: Iterable[str]) -> None:
    await session.execute(delete(overrides).where(overrides.c.customer_id.in_(list(customers))))


async def append(session: AsyncSession, rows: Sequence[dict]) -> None:
    if rows:
        await session.execute(insert(entries), list(rows))


async def history(session: AsyncSession, customer_id: str) -> list:
    rows = await session.execute(select(entries).where(entries.c.customer_id == customer_id).order_by(entries.c.id))
    return list(rows)
