from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kam_service_desk.routing.models import CustomerManagers, Staff


async def get_staff(session: AsyncSession, staff_id: str) -> Staff | None:
    return await session.get(Staff, staff_id)


async def get_staff_for_update(session: AsyncSession, staff_id: str) -> Staff | None:
    query = select(Staff).where(Staff.staff_id == staff_id).with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def serving(session: AsyncSession, staff_id: str) -> bool:
    """Whether the staff member is known and has not left. One the desk has not heard of yet counts as serving:
    the registry only assigns people it knows, and their registration may still be on its way."""
    active = (await session.execute(select(Staff.active).where(Staff.staff_id == staff_id))).scalar_one_or_none()
    return active is None or active


async def get_managers_for_update(session: AsyncSession, customer_id: str) -> CustomerManagers | None:
    query = select(CustomerManagers).where(CustomerManagers.customer_id == customer_id).with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def get_managers(session: AsyncSession, customer_id: str) -> CustomerManagers | None:
    return await session.get(CustomerManagers, customer_id)


async def first_at_level(session: AsyncSession, level: int, org_unit: str | None) -> Staff | None:
    """The longest-registered staff still serving at that level, of `org_unit` when given."""
    query = select(Staff).where(Staff.level == level, Staff.active.is_(True))
    if org_unit is not None:
        query = query.where(Staff.org_unit == org_unit)
    query = query.order_by(Staff.registered_at, Staff.staff_id).limit(1)
    return (await session.execute(query)).scalar_one_or_none()


async def add(session: AsyncSession, row: Staff | CustomerManagers) -> None:
    session.add(row)
    await session.flush()
