"""Groups: a parent and its subsidiaries, never a loop; changes announced as customer.group_changed."""

from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.customer import repository as customers
from kam_registry.customer.exceptions import CustomerNotFound
from kam_registry.group import repository
from kam_registry.group.exceptions import GroupCycle, UnknownParent
from kam_registry.group.schemas import GroupMember, GroupRead, ParentUpdate
from kam_shared.clock import Clock
from kam_shared.db import lock_for_transaction
from kam_shared.events.catalog import CustomerGroupChanged
from kam_shared.messaging.outbox import Outbox
from kam_shared.security.principal import unit_covers

# Deeper than any real group; a chain this long is a loop the data should never hold.
MAX_DEPTH = 100


async def set_parent(
    session: AsyncSession,
    *,
    customer_id: str,
    parent_in: ParentUpdate,
    outbox: Outbox,
    clock: Clock,
    unit: str | None = None,
) -> GroupRead:
    # Two changes checked at once could each see no loop and make one together: group changes take turns.
    await lock_for_transaction(session, ["customer-groups"])
    customer = await customers.get_for_update(session, customer_id)
    if customer is None:
        raise CustomerNotFound(customer_id)
    parent_id = parent_in.parent_id
    if parent_id is not None:
        if parent_id == customer_id:
            raise GroupCycle(customer_id, parent_id)
        parent = await customers.get(session, parent_id)
        # A parent outside the caller's unit is one it does not know.
        if parent is None or (unit is not None and not unit_covers(unit, parent.branch)):
            raise UnknownParent(parent_id)
        if customer_id in [member.id for member in await _ancestors(session, parent_id)]:
            raise GroupCycle(customer_id, parent_id)
    previous = customer.parent_id
    if previous != parent_id:
        await repository.set_parent(session, customer_id, parent_id)
        await outbox.add(
            session,
            [
                CustomerGroupChanged(
                    customer_id=customer_id, parent_id=parent_id, previous_parent_id=previous, changed_at=clock.now()
                )
            ],
        )
    return await group_of(session, customer_id=customer_id, unit=unit)


async def group_of(session: AsyncSession, *, customer_id: str, unit: str | None = None) -> GroupRead:
    """The customer's place in its group; to a caller confined to `unit`, only the members of that unit."""
    found = await repository.parent_of(session, customer_id)
    if found is None:
        raise CustomerNotFound(customer_id)
    _name, parent_id = found
    children = await repository.subsidiaries(session, customer_id, unit=unit)
    ancestors = await _ancestors(session, parent_id) if parent_id else []
    if unit is not None:
        shown = await repository.ids_within(session, {member.id for member in ancestors}, unit)
        ancestors = [member for member in ancestors if member.id in shown]
    return GroupRead(
        customer_id=customer_id,
        parent_id=parent_id,
        ancestors=ancestors,
        subsidiaries=[GroupMember(id=id_, full_name=name) for id_, name in children],
    )


async def _ancestors(session: AsyncSession, start_id: str) -> list[GroupMember]:
    """`start_id` and the parents above it, nearest first."""
    chain: list[GroupMember] = []
    current: str | None = start_id
    while current is not None and len(chain) < MAX_DEPTH:
        found = await repository.parent_of(session, current)
        if found is None:
            break
        name, parent_id = found
        chain.append(GroupMember(id=current, full_name=name))
        current = parent_id
    return chain
