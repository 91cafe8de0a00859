from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.staff.models import Staff
from kam_shared.reads import Reads
from kam_shared.security.scoping import within

_UNIT_BY_ID = select(Staff.__table__.c.org_unit).where(Staff.__table__.c.id == bindparam("staff_id"))


async def unit_of(reads: Reads, staff_id: str) -> str | None:
    row = await reads.one(_UNIT_BY_ID, staff_id=staff_id)
    return row["org_unit"] if row else None


async def get(session: AsyncSession, staff_id: str) -> Staff | None:
    return await session.get(Staff, staff_id)


async def get_for_update(session: AsyncSession, staff_id: str) -> Staff | None:
    return (await session.execute(select(Staff).where(Staff.id == staff_id).with_for_update())).scalar_one_or_none()


async def states(session: AsyncSession, staff_ids: set[str], *, unit: str | None = None) -> dict[str, bool]:
    """Whether each staff member still serves (`active`), of `unit` and below when one is given; other ids
    are absent."""
    if not staff_ids:
        return {}
    query = select(Staff.id, Staff.active).where(Staff.id.in_(staff_ids), within(Staff.org_unit, unit))
    return {staff_id: active for staff_id, active in (await session.execute(query)).all()}


async def add(session: AsyncSession, staff: Staff) -> None:
    session.add(staff)
    await session.flush()


async def page(
    session: AsyncSession,
    *,
    org_unit: str | None,
    level: int | None,
    active: bool | None,
    after_id: str | None,
    limit: int,
    within_unit: str | None = None,
) -> list[Staff]:
    query = select(Staff).where(within(Staff.org_unit, within_unit))
    if active is not None:
        query = query.where(Staff.active.is_(active))
    if org_unit is not None:
        query = query.where(Staff.org_unit == org_unit)
    if level is not None:
        query = query.where(Staff.level == level)
    if after_id is not None:
        query = query.where(Staff.id > after_id)
    return list((await session.execute(query.order_by(Staff.id).limit(limit + 1))).scalars())
