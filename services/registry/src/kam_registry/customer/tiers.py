"""Customers' tiers as tiering announces them: the newest evaluation wins, whatever order they arrive in."""

from collections.abc import Sequence

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.customer.models import Customer
from kam_shared.events.catalog import TierChanged


async def apply(session: AsyncSession, *, events: Sequence[TierChanged]) -> None:
    # Only the highest sequence of each customer in the batch matters; older ones would change nothing.
    newest: dict[str, TierChanged] = {}
    for event in events:
        held = newest.get(event.customer_id)
        if held is None or event.sequence > held.sequence:
            newest[event.customer_id] = event
    for event in newest.values():
        # A customer the registry does not hold changes no row: tiering only knows customers the registry announced.
        await session.execute(
            update(Customer)
            .where(Customer.id == event.customer_id, Customer.tier_sequence < event.sequence)
            .values(tier=event.new_tier, tier_sequence=event.sequence)
            .execution_options(synchronize_session=False)
        )
