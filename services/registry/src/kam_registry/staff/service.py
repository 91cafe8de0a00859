import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.customer.etag import ANY
from kam_registry.manager import repository as managers
from kam_registry.staff import repository
from kam_registry.staff.exceptions import StaffNotFound, StaffStillManaging, StaleStaffVersion
from kam_registry.staff.models import Staff
from kam_registry.staff.schemas import StaffCreate, StaffPage, StaffRead, StaffUpdate
from kam_shared.clock import Clock
from kam_shared.events.catalog import StaffRegistered, StaffUpdated
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
        active=True,
        version=1,
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


async def change(
    session: AsyncSession, *, staff_id: str, staff_in: StaffUpdate, if_match: int, outbox: Outbox, clock: Clock
) -> StaffRead:
    """Applies the fields sent over the version the caller read; announces what changed as staff.updated."""
    # The row lock orders concurrent changes of one staff member, so their sequences follow commit order.
    staff = await repository.get_for_update(session, staff_id)
    if staff is None:
        raise StaffNotFound(staff_id)
    if if_match not in (ANY, staff.version):
        raise StaleStaffVersion(staff_id, staff.version)
    sent = staff_in.model_dump(include=staff_in.model_fields_set)
    if "contacts" in sent:
        sent["contacts"] = [contact.model_dump() for contact in staff_in.contacts or []]
    values = {name: value for name, value in sent.items() if getattr(staff, name) != value}
    if not values:
        return StaffRead.model_validate(staff, from_attributes=True)
    if values.get("active") is False:
        managing = len(await managers.customers_of(session, staff_id))
        if managing:
            raise StaffStillManaging(staff_id, managing)
    now = clock.now()
    for name, value in values.items():
        setattr(staff, name, value)
    staff.version += 1
    staff.updated_at = now
    await repository.add(session, staff)
    await outbox.add(
        session,
        [
            StaffUpdated(
                staff_id=staff.id,
                name=staff.name,
                org_unit=staff.org_unit,
                level=staff.level,
                contacts=staff.contacts,
                active=staff.active,
                changed=sorted(values),
                sequence=staff.version,
                updated_at=now,
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
    active: bool | None,
    cursor: str | None,
    limit: int,
    within_unit: str | None = None,
) -> StaffPage:
    rows = await repository.page(
        session,
        org_unit=org_unit,
        level=level,
        active=active,
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
