"""Account managers A and B of a customer: each change kept with its time, announced as manager.assigned."""

from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.customer import repository as customers
from kam_registry.customer.exceptions import CustomerNotFound
from kam_registry.manager import repository
from kam_registry.manager.exceptions import UnknownStaff
from kam_registry.manager.models import ManagerAssignment
from kam_registry.manager.schemas import Assignment, ManagedCustomer, ManagedCustomers, ManagersRead, ManagersUpdate
from kam_registry.staff import repository as staff
from kam_registry.staff.exceptions import StaffHasLeft, StaffNotFound
from kam_shared.clock import Clock
from kam_shared.events.catalog import ManagerAssigned
from kam_shared.messaging.outbox import Outbox

ROLES = ("a", "b")


async def assign(
    session: AsyncSession,
    *,
    customer_id: str,
    managers_in: ManagersUpdate,
    outbox: Outbox,
    clock: Clock,
    unit: str | None = None,
) -> ManagersRead:
    # The customer's row lock orders concurrent assignments of one customer.
    if await customers.get_for_update(session, customer_id) is None:
        raise CustomerNotFound(customer_id)
    wanted = {"a": managers_in.a, "b": managers_in.b}
    # Staff of another unit than the caller's are unknown to it.
    known = await staff.states(session, {staff_id for staff_id in wanted.values() if staff_id}, unit=unit)
    before = await repository.current(session, customer_id)
    for role, staff_id in wanted.items():
        if staff_id is not None and staff_id not in known:
            raise UnknownStaff(role, staff_id)
        # Someone who has left keeps the customers they still hold until reassigned, but gains none.
        if staff_id is not None and not known[staff_id] and before.get(role) != staff_id:
            raise StaffHasLeft(role, staff_id)
    changed = [role for role in ROLES if before.get(role) != wanted[role]]
    if changed:
        now = clock.now()
        for role in changed:
            await repository.end(session, customer_id, role, now)
            if wanted[role] is not None:
                await repository.add(
                    session,
                    ManagerAssignment(customer_id=customer_id, role=role, staff_id=wanted[role], assigned_at=now),
                )
        await outbox.add(
            session,
            [
                ManagerAssigned(
                    customer_id=customer_id,
                    a=wanted["a"],
                    b=wanted["b"],
                    previous_a=before.get("a"),
                    previous_b=before.get("b"),
                    assigned_at=now,
                )
            ],
        )
    return await managers_of(session, customer_id=customer_id)


async def managers_of(session: AsyncSession, *, customer_id: str) -> ManagersRead:
    if await customers.get(session, customer_id) is None:
        raise CustomerNotFound(customer_id)
    history = await repository.history(session, customer_id)
    now = {row.role: row.staff_id for row in history if row.ended_at is None}
    return ManagersRead(
        customer_id=customer_id,
        a=now.get("a"),
        b=now.get("b"),
        history=[
            Assignment(role=row.role, staff_id=row.staff_id, assigned_at=row.assigned_at, ended_at=row.ended_at)
            for row in history
        ],
    )


async def customers_managed_by(session: AsyncSession, *, staff_id: str, unit: str | None = None) -> ManagedCustomers:
    if await staff.get(session, staff_id) is None:
        raise StaffNotFound(staff_id)
    return ManagedCustomers(
        items=[
            ManagedCustomer(
                customer_id=customer.id,
                full_name=customer.full_name,
                branch=customer.branch,
                tier=customer.tier,
                role=assignment.role,
                assigned_at=assignment.assigned_at,
            )
            for customer, assignment in await repository.customers_of(session, staff_id, unit=unit)
        ]
    )
