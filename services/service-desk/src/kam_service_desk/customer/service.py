from datetime import datetime
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from kam_service_desk.customer import repository
from kam_service_desk.customer.exceptions import CustomerNotKnown
from kam_service_desk.customer.models import Customer
from kam_service_desk.customer.schemas import ServiceLevelRead, TicketTypeTerms
from kam_service_desk.sla.policy import current, initial_level, priority_for, targets_for
from kam_service_desk.ticket import service as tickets
from kam_service_desk.ticket.schemas import TicketType
from kam_shared.clock import Clock
from kam_shared.events.catalog import CustomerRegistered, CustomerUpdated, Tier, TierChanged
from kam_shared.messaging.outbox import Outbox


async def record_registration(session: AsyncSession, *, event: CustomerRegistered, clock: Clock) -> bool:
    """Makes the customer known; tier facts that arrived before the registration stay and now count."""
    return await _record_profile(session, event=event, registered_at=event.registered_at, clock=clock)


async def record_update(session: AsyncSession, *, event: CustomerUpdated, clock: Clock) -> bool:
    """Applies the registry's profile after a change when it is newer than the one held; returns whether it was.

    An update that overtakes the registration makes the customer known: the registry only changes customers
    it has registered."""
    return await _record_profile(session, event=event, registered_at=event.updated_at, clock=clock)


async def _record_profile(
    session: AsyncSession, *, event: CustomerRegistered | CustomerUpdated, registered_at: datetime, clock: Clock
) -> bool:
    customer = await repository.get_for_update(session, event.customer_id)
    if customer is None:
        customer = Customer(customer_id=event.customer_id, updated_at=clock.now())
    applied = customer.profile_sequence is None or event.sequence > customer.profile_sequence
    if applied:
        customer.full_name = event.full_name
        customer.branch = event.branch
        customer.profile_sequence = event.sequence
    # A registration that arrives after an update is stale as a profile, but still tells when it happened.
    if customer.registered_at is None or isinstance(event, CustomerRegistered):
        customer.registered_at = registered_at
    customer.updated_at = clock.now()
    await repository.add(session, customer)
    return applied


async def record_tier_change(session: AsyncSession, *, event: TierChanged, clock: Clock, outbox: Outbox) -> bool:
    """Applies the decision unless a newer one is already stored; returns whether it was applied.

    A decision about a customer whose registration has not arrived (the two travel on different topics) is
    held on a row that is not a customer yet: nothing serves it until customer.registered makes it one."""
    customer = await repository.get_for_update(session, event.customer_id)
    if customer is None:
        customer = Customer(customer_id=event.customer_id, updated_at=clock.now())
    elif customer.tier_sequence is not None and event.sequence <= customer.tier_sequence:
        return False
    customer.tier = event.new_tier
    customer.tier_sequence = event.sequence
    customer.updated_at = clock.now()
    await repository.add(session, customer)
    await tickets.tighten_open_tickets(session, change=event, clock=clock, outbox=outbox, branch=customer.branch)
    return True


async def service_level(session: AsyncSession, *, customer_id: str) -> ServiceLevelRead:
    customer = await repository.get_registered(session, customer_id)
    if customer is None:
        raise CustomerNotKnown(customer_id)
    tier = cast(Tier, customer.tier)
    terms = []
    for ticket_type in TicketType:
        targets = targets_for(tier=tier, ticket_type=ticket_type.value)
        terms.append(
            TicketTypeTerms(
                type=ticket_type.value,
                first_response_minutes=int(targets.first_response.total_seconds() // 60),
                resolution_minutes=int(targets.resolution.total_seconds() // 60),
                starting_level=initial_level(tier=tier, ticket_type=ticket_type.value),
                clock="24x7" if ticket_type.value in current().round_the_clock_types else "business",
            )
        )
    return ServiceLevelRead(customer_id=customer_id, tier=tier, priority=priority_for(tier).value, terms=terms)
