"""How an override shows in the tier view: the tier in force, with the override as its first reason."""

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.errors import NotFound
from kam_shared.events.catalog import TierReason
from kam_tiering.override import repository
from kam_tiering.override.schemas import OverrideEntryRead, OverrideHistory
from kam_tiering.tier import repository as tiers
from kam_tiering.tier.schemas import TierRead


async def with_override(session: AsyncSession, read: TierRead, *, today: date) -> TierRead:
    """The tier as the customer has it on `today`: an override in force wins; an expired one no longer does,
    whether or not a month close has ended it yet."""
    row = (await repository.active_for(session, [read.customer_id], today)).get(read.customer_id)
    if row is None:
        return read
    reason = TierReason(
        rule="override",
        detail=row["reason"],
        figures={"earned_tier": read.tier, "expires_on": str(row["expires_on"]), "set_by": row["set_by"]},
    )
    return read.model_copy(update={"tier": row["tier"], "reasons": [reason, *read.reasons]})


async def history(session: AsyncSession, customer_id: str) -> OverrideHistory:
    rows = await repository.history(session, customer_id)
    if not rows and not await tiers.known_customer(session, customer_id):
        raise NotFound(f"customer {customer_id} is not known to tiering")
    return OverrideHistory(
        customer_id=customer_id,
        entries=[OverrideEntryRead.model_validate(row, from_attributes=True) for row in rows],
    )
