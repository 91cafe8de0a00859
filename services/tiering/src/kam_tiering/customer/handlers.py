"""The registry's customer news, as tiering keeps it."""

from collections.abc import Sequence

from kam_shared.events.catalog import CustomerRegistered, CustomerUpdated
from kam_shared.events.envelope import Envelope
from kam_shared.messaging.consumer import HandlerContext
from kam_tiering.customer import service
from kam_tiering.tier.policy import Policy


async def on_customer_registered(ctx: HandlerContext, envelopes: Sequence[Envelope], *, policy: Policy) -> None:
    events: list[CustomerRegistered] = [envelope.data for envelope in envelopes]
    await service.record_registrations(ctx.session, events=events, policy=policy, outbox=ctx.outbox, clock=ctx.clock)


async def on_customer_updated(ctx: HandlerContext, envelopes: Sequence[Envelope], *, policy: Policy) -> None:
    events: list[CustomerUpdated] = [envelope.data for envelope in envelopes]
    await service.record_updates(ctx.session, events=events, policy=policy, outbox=ctx.outbox, clock=ctx.clock)
