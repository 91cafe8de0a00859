from collections.abc import Sequence
from typing import cast

from kam_service_desk.routing import service
from kam_shared.events.catalog import ManagerAssigned, StaffRegistered, StaffUpdated
from kam_shared.events.envelope import Envelope
from kam_shared.messaging.consumer import HandlerContext


async def on_staff_registered(ctx: HandlerContext, envelopes: Sequence[Envelope]) -> None:
    for envelope in envelopes:
        await service.record_staff(ctx.session, event=cast(StaffRegistered, envelope.data))


async def on_staff_updated(ctx: HandlerContext, envelopes: Sequence[Envelope]) -> None:
    for envelope in envelopes:
        await service.record_staff(ctx.session, event=cast(StaffUpdated, envelope.data))


async def on_manager_assigned(ctx: HandlerContext, envelopes: Sequence[Envelope]) -> None:
    for envelope in envelopes:
        await service.record_managers(ctx.session, event=cast(ManagerAssigned, envelope.data))
