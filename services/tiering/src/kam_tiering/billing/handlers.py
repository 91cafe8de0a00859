"""Billing events from the bus, and the registry's account links that decide whom billing counts for."""

from collections.abc import Sequence

from kam_shared.db import lock_for_transaction
from kam_shared.events.catalog import BillingAccountClosed, BillingAccountLinked
from kam_shared.events.envelope import Envelope
from kam_shared.messaging.consumer import HandlerContext
from kam_tiering.billing import service
from kam_tiering.tier.policy import Policy


async def on_billing_posted(ctx: HandlerContext, envelopes: Sequence[Envelope], *, policy: Policy) -> None:
    await service.apply_posted(ctx.session, envelopes=envelopes, policy=policy, outbox=ctx.outbox, clock=ctx.clock)


async def on_billing_account_linked(ctx: HandlerContext, envelopes: Sequence[Envelope], *, policy: Policy) -> None:
    events: list[BillingAccountLinked] = [envelope.data for envelope in envelopes]
    # Every lock the batch needs in one ordered statement, so two consumers' batches cannot deadlock.
    await lock_for_transaction(
        ctx.session,
        [service.account_lock(event.account_no) for event in events]
        + [service.customer_lock(event.customer_id) for event in events],
    )
    for event in events:
        await service.attribute_account(
            ctx.session,
            account_no=event.account_no,
            customer_id=event.customer_id,
            effective_from=event.effective_from,
            policy=policy,
            outbox=ctx.outbox,
            clock=ctx.clock,
        )


async def on_billing_account_closed(ctx: HandlerContext, envelopes: Sequence[Envelope], *, policy: Policy) -> None:
    events: list[BillingAccountClosed] = [envelope.data for envelope in envelopes]
    # The same locks as a link takes, in one ordered statement: a move-out and a link or billing for the
    # account are applied one after the other.
    await lock_for_transaction(
        ctx.session,
        [service.account_lock(event.account_no) for event in events]
        + [service.customer_lock(event.customer_id) for event in events],
    )
    for event in events:
        await service.release_account(
            ctx.session,
            account_no=event.account_no,
            customer_id=event.customer_id,
            effective_to=event.effective_to,
            policy=policy,
            outbox=ctx.outbox,
            clock=ctx.clock,
        )
