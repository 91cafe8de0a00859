from sqlalchemy.ext.asyncio import AsyncSession

from kam_service_desk.customer import repository
from kam_service_desk.customer.models import Customer
from kam_service_desk.ticket import service as tickets
from kam_shared.clock import Clock
from kam_shared.events.catalog import CustomerRegistered, TierChanged


async def record_registration(session: AsyncSession, *, event: CustomerRegistered, clock: Clock) -> None:
    customer = await repository.get_for_update(session, event.customer_id)
    if customer is None:
        customer = Customer(customer_id=event.customer_id, updated_at=clock.now())
    customer.full_name = event.full_name
    customer.branch = event.branch
    customer.registered_at = event.registered_at
    customer.updated_at = clock.now()
    await repository.add(session, customer)


async def record_tier_change(session: AsyncSession, *, event: TierChanged, clock: Clock) -> bool:
    """Applies the decision unless a newer one is already stored; returns whether it was applied."""
    customer = await repository.get_for_update(session, event.customer_id)
    if customer is None:
        customer = Customer(customer_id=event.customer_id, updated_at=clock.now())
    elif customer.tier_sequence is not None and event.sequence <= customer.tier_sequence:
        return False
    customer.tier = event.new_tier
    customer.tier_sequence = event.sequence
    customer.updated_at = clock.now()
    await repository.add(session, customer)
    await tickets.tighten_open_tickets(session, change=event, clock=clock)
    return True
