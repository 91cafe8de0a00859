"""The registry's group changes, as tiering keeps them."""

from collections.abc import Sequence

from kam_shared.events.catalog import CustomerGroupChanged
from kam_shared.events.envelope import Envelope
from kam_shared.messaging.consumer import HandlerContext
from kam_tiering.group import service


async def on_group_changed(ctx: HandlerContext, envelopes: Sequence[Envelope]) -> None:
    events: list[CustomerGroupChanged] = [envelope.data for envelope in envelopes]
    await service.record_changes(ctx.session, events=events)
