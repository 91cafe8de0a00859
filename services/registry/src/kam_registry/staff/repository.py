from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.staff.models import Staff


async def get(session: AsyncSession, staff_id: str) -> Staff | None:
    return await session.get(Staff, staff_id)


async def existing_ids(session: AsyncSession, staff_ids: set[str]) -> set[str]:
    if not staff_ids:
        return set()
    return set((await session.execute(select(Staff.id).where(Staff.id.in_(staff_ids)))).scalars())


async def add(session: AsyncSession, staff: Staff) -> None:
    session.add(staff)
    await session.flush()


async def page(
    session: AsyncSession, *, org_unit: str | None, level: int | None, after_id: str | None, limit: int
) -> list[Staff]:
    query = select(Staff)
    if org_unit is not None:
        query = query.where(Staff.org_unit == org_unit)
    if level is not None:
        query = query.where(Staff.level == level)
    if after_id is not None:
        query = query.where(Staff.id > after_id)
    return list((await session.execute(query.order_by(Staff.id).limit(limit + 1))).scalars())
