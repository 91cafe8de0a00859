from collections.abc import Sequence
from typing import cast

from kam_service_desk.customer import service
from kam_shared.events.catalog import CustomerRegistered, CustomerUpdated, TierChanged
from kam_shared.events.envelope import Envelope
from kam_shared.messaging.consumer import HandlerContext


async def on_customer_registered(ctx: HandlerContext, envelopes: Sequence[Envelope]) -> None:
    for envelope in envelopes:
        event = cast(CustomerRegistered, envelope.data)
        await service.record_registration(ctx.session, event=event, clock=ctx.clock)


async def on_customer_updated(ctx: HandlerContext, envelopes: Sequence[Envelope]) -> None:
    for envelope in envelopes:
        event = cast(CustomerUpdated, envelope.data)
        await service.record_update(ctx.session, event=event, clock=ctx.clock)


async def on_tier_changed(ctx: HandlerContext, envelopes: Sequence[Envelope]) -> None:
    for envelope in envelopes:
        event = cast(TierChanged, envelope.data)
        await service.record_tier_change(ctx.session, event=event, clock=ctx.clock, outbox=ctx.outbox)
