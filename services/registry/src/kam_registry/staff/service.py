import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.staff import repository
from kam_registry.staff.exceptions import StaffNotFound
from kam_registry.staff.models import Staff
from kam_registry.staff.schemas import StaffCreate, StaffPage, StaffRead
from kam_shared.clock import Clock
from kam_shared.events.catalog import StaffRegistered
from kam_shared.messaging.outbox import Outbox
from kam_shared.paging import decode_cursor, encode_cursor


async def register(session: AsyncSession, *, staff_in: StaffCreate, outbox: Outbox, clock: Clock) -> StaffRead:
    now = clock.now()
    staff = Staff(
        id=str(uuid.uuid4()),
        name=staff_in.name,
        org_unit=staff_in.org_unit,
        level=staff_in.level,
        contacts=[contact.model_dump() for contact in staff_in.contacts],
        created_at=now,
    )
    await repository.add(session, staff)
    await outbox.add(
        session,
        [
            StaffRegistered(
                staff_id=staff.id,
                name=staff.name,
                org_unit=staff.org_unit,
                level=staff.level,
                contacts=staff.contacts,
                registered_at=now,
            )
        ],
    )
    return StaffRead.model_validate(staff, from_attributes=True)


async def get(session: AsyncSession, *, staff_id: str) -> StaffRead:
    staff = await repository.get(session, staff_id)
    if staff is None:
        raise StaffNotFound(staff_id)
    return StaffRead.model_validate(staff, from_attributes=True)


async def list_staff(
    session: AsyncSession,
    *,
    org_unit: str | None,
    level: int | None,
    cursor: str | None,
    limit: int,
    within_unit: str | None = None,
) -> StaffPage:
    rows = await repository.page(
        session,
        org_unit=org_unit,
        level=level,
        after_id=decode_cursor(cursor, 1)[0] if cursor else None,
        limit=limit,
        within_unit=within_unit,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return StaffPage(
        items=[StaffRead.model_validate(row, from_attributes=True) for row in rows],
        next_cursor=encode_cursor(rows[-1].id) if more and rows else None,
    )
