"""What tiering listens to, in one table."""

from collections.abc import Sequence

from kam_shared.events.catalog import BillingAccountLinked, BillingPosted, CustomerRegistered, Topics
from kam_shared.events.envelope import Envelope
from kam_shared.messaging.consumer import Handler, HandlerContext, Subscription
from kam_tiering.billing import service as billing
from kam_tiering.customer import service as customers
from kam_tiering.tier.policy import Policy


def subscriptions(policy: Policy) -> tuple[Subscription, ...]:
    async def on_customer_registered(ctx: HandlerContext, envelopes: Sequence[Envelope]) -> None:
        events: list[CustomerRegistered] = [envelope.data for envelope in envelopes]
        await customers.record_registrations(
            ctx.session, events=events, policy=policy, outbox=ctx.outbox, clock=ctx.clock
        )

    async def on_billing_account_linked(ctx: HandlerContext, envelopes: Sequence[Envelope]) -> None:
        for envelope in envelopes:
            event: BillingAccountLinked = envelope.data
            await billing.attribute_account(
                ctx.session,
                account_no=event.account_no,
                customer_id=event.customer_id,
                effective_from=event.effective_from,
                policy=policy,
                outbox=ctx.outbox,
                clock=ctx.clock,
            )

    async def on_billing_posted(ctx: HandlerContext, envelopes: Sequence[Envelope]) -> None:
        await billing.apply_posted(ctx.session, envelopes=envelopes, policy=policy, outbox=ctx.outbox, clock=ctx.clock)

    handlers: dict[str, Handler] = {
        CustomerRegistered.TYPE: on_customer_registered,
        BillingAccountLinked.TYPE: on_billing_account_linked,
        BillingPosted.TYPE: on_billing_posted,
    }
    return (Subscription(consumer="tiering", topics=(Topics.REGISTRY, Topics.BILLING), handlers=handlers),)
