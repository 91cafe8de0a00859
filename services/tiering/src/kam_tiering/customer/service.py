from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.clock import Clock
from kam_shared.events.catalog import CustomerRegistered, CustomerUpdated
from kam_shared.messaging.outbox import Outbox
from kam_tiering.billing import service as billing
from kam_tiering.tier import repository
from kam_tiering.tier import service as tiers
from kam_tiering.tier.policy import Policy

# The profile fields the tier policy looks at: a change of any of them re-evaluates the customer.
QUALIFYING_FIELDS = ("county", "important", "potential", "agreement_signed_on", "agreement_expires_on")


def _row(event: CustomerRegistered | CustomerUpdated) -> dict:
    return {
        "customer_id": event.customer_id,
        "branch": event.branch,
        "county": event.county,
        "important": event.important,
        "potential": event.potential,
        "agreement_signed_on": event.agreement_signed_on,
        "agreement_expires_on": event.agreement_expires_on,
        # Only stored with a new row: an update that arrives first stands in for the registration.
        "registered_at": event.registered_at if isinstance(event, CustomerRegistered) else event.updated_at,
        "sequence": event.sequence,
    }


def _newest(events: Sequence[CustomerRegistered | CustomerUpdated]) -> dict[str, dict]:
    newest: dict[str, CustomerRegistered | CustomerUpdated] = {}
    for event in events:
        held = newest.get(event.customer_id)
        if held is None or event.sequence > held.sequence:
            newest[event.customer_id] = event
    return {customer_id: _row(event) for customer_id, event in newest.items()}


async def record_registrations(
    session: AsyncSession, *, events: Sequence[CustomerRegistered], policy: Policy, outbox: Outbox, clock: Clock
) -> None:
    """Keeps the profile fields the policy looks at, counts the billing that waited for these customers, then
    classifies: an agreement or importance qualifies at once."""
    rows = _newest(events)
    await repository.save_profiles(session, list(rows.values()))
    await billing.count_registered(session, customers=list(rows), policy=policy, outbox=outbox, clock=clock)


async def record_updates(
    session: AsyncSession, *, events: Sequence[CustomerUpdated], policy: Policy, outbox: Outbox, clock: Clock
) -> None:
    """Applies each customer's newest profile when it is newer than the one held; re-evaluates the customers
    whose qualifying fields changed (a promotion at once, a loss of qualification at the next close)."""
    rows = _newest(events)
    held = await repository.profiles_for(session, rows)
    stored = await repository.save_profiles(session, list(rows.values()))
    changed = [
        customer_id
        for customer_id in stored
        if customer_id not in held
        or any(held[customer_id][name] != rows[customer_id][name] for name in QUALIFYING_FIELDS)
    ]
    await tiers.reevaluate(session, customers=changed, policy=policy, outbox=outbox, clock=clock)
