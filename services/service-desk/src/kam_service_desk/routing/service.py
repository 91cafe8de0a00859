"""Who holds a ticket at each level (DOMAIN.md section 4), learned from the registry's events.

Level 0 is the service centre's queue (nobody in particular); level 1 the customer's account manager A, else B;
level 2 a company key-account manager and level 3 the marketing head: staff the registry registered at that
level, of the customer's branch when it has one there, else the longest-registered of the company."""

from sqlalchemy.ext.asyncio import AsyncSession

from kam_service_desk.routing import repository
from kam_service_desk.routing.models import CustomerManagers, Staff
from kam_shared.events.catalog import ManagerAssigned, StaffRegistered, StaffUpdated

ACCOUNT_MANAGER_LEVEL = 1


async def record_staff(session: AsyncSession, *, event: StaffRegistered | StaffUpdated) -> bool:
    """Keeps the staff member as the registry's newest record of them; an older or repeated one changes nothing."""
    sequence = event.sequence if isinstance(event, StaffUpdated) else 1
    staff = await repository.get_staff_for_update(session, event.staff_id)
    if staff is None:
        staff = Staff(
            staff_id=event.staff_id,
            name=event.name,
            org_unit=event.org_unit,
            level=event.level,
            # A change that overtook the registration: its own time stands in until the registration comes.
            registered_at=event.registered_at if isinstance(event, StaffRegistered) else event.updated_at,
            sequence=0,
        )
    elif isinstance(event, StaffRegistered):
        staff.registered_at = event.registered_at
    if sequence <= staff.sequence:
        await repository.add(session, staff)
        return False
    staff.name, staff.org_unit, staff.level, staff.sequence = event.name, event.org_unit, event.level, sequence
    staff.active = event.active if isinstance(event, StaffUpdated) else True
    await repository.add(session, staff)
    return True


async def record_managers(session: AsyncSession, *, event: ManagerAssigned) -> bool:
    """Keeps the customer's managers after the change; an older assignment arriving late changes nothing."""
    managers = await repository.get_managers_for_update(session, event.customer_id)
    if managers is None:
        managers = CustomerManagers(customer_id=event.customer_id, assigned_at=event.assigned_at)
    elif event.assigned_at < managers.assigned_at:
        return False
    managers.manager_a, managers.manager_b, managers.assigned_at = event.a, event.b, event.assigned_at
    await repository.add(session, managers)
    return True


async def holder_for(session: AsyncSession, *, customer_id: str, branch: str | None, level: int) -> str | None:
    """The staff id who holds a ticket of this customer at `level`, or None when nobody is known for it."""
    if level < ACCOUNT_MANAGER_LEVEL:
        return None
    if level == ACCOUNT_MANAGER_LEVEL:
        managers = await repository.get_managers(session, customer_id)
        if managers is None:
            return None
        for staff_id in (managers.manager_a, managers.manager_b):
            if staff_id is not None and await repository.serving(session, staff_id):
                return staff_id
        return None
    staff: Staff | None = None
    if branch is not None:
        staff = await repository.first_at_level(session, level, branch)
    if staff is None:
        staff = await repository.first_at_level(session, level, None)
    return staff.staff_id if staff is not None else None
