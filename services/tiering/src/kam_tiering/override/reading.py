"""How an override shows in the tier view: the tier in force, with the override as its first reason."""

from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.errors import NotFound
from kam_shared.events.catalog import TierReason
from kam_tiering.override import repository
from kam_tiering.override.schemas import OverrideEntryRead, OverrideHistory
from kam_tiering.tier import repository as tiers
from kam_tiering.tier.schemas import TierRead


def with_override(read: TierRead, override: dict | None) -> TierRead:
    """The tier as the customer has it: the override in force (`tier`, `reason`, `expires_on`, `set_by`) wins.
    The caller finds the override in force on its day: an expired one no longer wins, whether or not a month
    close has ended it yet."""
    if override is None:
        return read
    reason = TierReason(
        rule="override",
        detail=override["reason"],
        figures={"earned_tier": read.tier, "expires_on": str(override["expires_on"]), "set_by": override["set_by"]},
    )
    return read.model_copy(update={"tier": override["tier"], "reasons": [reason, *read.reasons]})


async def history(session: AsyncSession, customer_id: str) -> OverrideHistory:
    rows = await repository.history(session, customer_id)
    if not rows and not await tiers.known_customer(session, customer_id):
        raise NotFound(f"customer {customer_id} is not known to tiering")
    return OverrideHistory(
        customer_id=customer_id,
        entries=[OverrideEntryRead.model_validate(row, from_attributes=True) for row in rows],
    )
