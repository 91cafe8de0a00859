"""What the registry learns about its customers from other services."""

from collections.abc import Sequence

from kam_registry.customer import tiers
from kam_shared.events.catalog import TierChanged
from kam_shared.events.envelope import Envelope
from kam_shared.messaging.consumer import HandlerContext


async def on_tier_changed(ctx: HandlerContext, envelopes: Sequence[Envelope]) -> None:
    events: list[TierChanged] = [envelope.data for envelope in envelopes]
    await tiers.apply(ctx.session, events=events)
