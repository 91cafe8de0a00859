from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.clock import Clock
from kam_shared.events.catalog import CustomerRegistered
from kam_shared.messaging.outbox import Outbox
from kam_tiering.billing import service as billing
from kam_tiering.tier import repository
from kam_tiering.tier.policy import Policy


async def record_registrations(
    session: AsyncSession, *, events: Sequence[CustomerRegistered], policy: Policy, outbox: Outbox, clock: Clock
) -> None:
    """Keeps the profile fields the policy looks at, counts the billing that waited for these customers, then
    classifies: an agreement or importance qualifies at once."""
    latest = {event.customer_id: event for event in events}
    await repository.save_profiles(
        session,
        [
            {
                "customer_id": event.customer_id,
                "branch": event.branch,
                "county": event.county,
                "important": event.important,
                "agreement_signed_on": event.agreement_signed_on,
                "agreement_expires_on": event.agreement_expires_on,
                "registered_at": event.registered_at,
            }
            for event in latest.values()
        ],
    )
    await billing.count_registered(session, customers=list(latest), policy=policy, outbox=outbox, clock=clock)
