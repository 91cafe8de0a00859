from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.db import upsert_adding
from kam_tiering.customer.models import CustomerProfile
from kam_tiering.tier.models import TierState

states = TierState.__table__
profiles = CustomerProfile.__table__


async def states_for(session: AsyncSession, customers: Iterable[str]) -> dict[str, dict]:
    customers = list(customers)
    if not customers:
        return {}
    rows = await session.execute(select(states).where(states.c.customer_id.in_(customers)))
    return {row.customer_id: row._asdict() for row in rows}


async def profiles_for(session: AsyncSession, customers: Iterable[str]) -> dict[str, dict]:
    customers = list(customers)
    if not customers:
        return {}
    rows = await session.execute(select(profiles).where(profiles.c.customer_id.in_(customers)))
    return {row.customer_id: row._asdict() for row in rows}


async def save_states(session: AsyncSession, rows: Sequence[dict]) -> None:
    if rows:
        columns = [name for name in rows[0] if name != "customer_id"]
        stmt = upsert_adding(states, session.get_bind().dialect.name, ["customer_id"], added=[], replaced=columns)
        await session.execute(stmt, list(rows))


async def save_profiles(session: AsyncSession, rows: Sequence[dict]) -> None:
    if rows:
        columns = [name for name in rows[0] if name != "customer_id"]
        stmt = upsert_adding(profiles, session.get_bind().dialect.name, ["customer_id"], added=[], replaced=columns)
        await session.execute(stmt, list(rows))


async def get_state(session: AsyncSession, customer_id: str) -> dict | None:
    row = (await session.execute(select(states).where(states.c.customer_id == customer_id))).first()
    return None if row is None else row._asdict()


async def known_customer(session: AsyncSession, customer_id: str) -> bool:
    return (
        await session.execute(select(profiles.c.customer_id).where(profiles.c.customer_id == customer_id))
    ).first() is not None
