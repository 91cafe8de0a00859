"""Two transactions re-evaluating one customer at once (two replicas, two partitions) see each other's billing."""

import asyncio
from datetime import date

from kam_shared.events.catalog import BillingPosted
from kam_shared.events.envelope import Envelope
from kam_tiering.billing import service as billing

from .conftest import NOW, registered, yuan  # noqa: TID252


def posted(billing_id: str, amount: int, posted_on: date) -> Envelope:
    event = BillingPosted(
        billing_id=billing_id,
        customer_id="C-1",
        amount_minor=amount,
        currency="CNY",
        business_line="parcels",
        posted_on=posted_on,
    )
    return Envelope.wrap(event, source="/test", time=NOW)


async def test_concurrent_billing_for_one_customer_is_all_counted_and_promotes_it(app, bus, tier_of):
    await bus.publish(registered("C-1"))
    await bus.settled()
    runtime = app.state.runtime
    policy = app.state.policy

    async def apply(*envelopes: Envelope) -> None:
        async with runtime.sessions() as session, session.begin():
            await billing.apply_posted(
                session, envelopes=envelopes, policy=policy, outbox=runtime.outbox, clock=runtime.clock
            )

    await apply(posted("B-base", yuan("9,000.00"), date(2026, 6, 1)))

    async with runtime.sessions() as first, first.begin():
        await billing.apply_posted(
            first,
            envelopes=[posted("B-oct", yuan("600.00"), date(2026, 10, 1))],
            policy=policy,
            outbox=runtime.outbox,
            clock=runtime.clock,
        )
        second = asyncio.create_task(apply(posted("B-nov", yuan("600.00"), date(2026, 11, 1))))
        await asyncio.sleep(0.5)  # the second gets as far as it can while the first is still open
    await second

    tier = await tier_of("C-1")
    assert tier["revenue_12m_minor"] == yuan("10,200.00")
    assert tier["tier"] == "vip"
    sequences = [envelope.data.sequence for envelope in await bus.published("revenue.updated")]
    assert len(sequences) == len(set(sequences)), sequences
