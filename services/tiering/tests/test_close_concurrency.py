"""A month close and billing for the same customer at once (two replicas): neither overwrites the other's decision.
Meaningful on PostgreSQL (KAM_TEST_DATABASE_URL); on SQLite one writer at a time makes it trivially true."""

import asyncio
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from kam_shared.events.catalog import BillingPosted, TierChanged
from kam_shared.events.envelope import Envelope
from kam_tiering.billing import service as billing
from kam_tiering.close.runner import CloseRunning, MonthCloser

from .conftest import NOW, registered, yuan  # noqa: TID252

DECEMBER_1 = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


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


async def test_a_close_waits_for_billing_in_flight_and_does_not_demote_what_it_keeps_up(app, bus, clock, tier_of):
    await bus.publish(registered("C-1"))
    await bus.settled()
    runtime, policy = app.state.runtime, app.state.policy

    async def apply(envelope: Envelope) -> None:
        async with runtime.sessions() as session, session.begin():
            await billing.apply_posted(
                session, envelopes=[envelope], policy=policy, outbox=runtime.outbox, clock=runtime.clock
            )

    # Gold on 2025-11 alone; by the close of 2026-11 that month has left the window.
    await apply(posted("B-old", yuan("600,000.00"), date(2025, 11, 15)))
    clock.set(DECEMBER_1)

    async with runtime.sessions() as session, session.begin():
        # December's billing keeps the customer gold on month-to-date plus the 11 months before it.
        await billing.apply_posted(
            session,
            envelopes=[posted("B-dec", yuan("600,000.00"), date(2026, 12, 1))],
            policy=policy,
            outbox=runtime.outbox,
            clock=runtime.clock,
        )
        closing = asyncio.create_task(app.state.month_closer.close("2026-11"))
        await asyncio.sleep(0.5)  # the close gets as far as it can while the billing is still open
        assert not closing.done()
    record = await closing
    await bus.settled()

    tier = await tier_of("C-1")
    assert (tier["tier"], tier["revenue_12m_minor"]) == ("gold", yuan("600,000.00"))
    assert [(event.data.old_tier, event.data.new_tier) for event in await bus.published(TierChanged.TYPE)] == [
        ("standard", "gold")
    ]
    sequences = [envelope.data.sequence for envelope in await bus.published("revenue.updated")]
    assert len(sequences) == len(set(sequences)), sequences
    assert record["tier_changes"] == 0


async def test_a_second_close_while_one_runs_is_refused_on_this_replica_and_on_another(app):
    runtime, policy = app.state.runtime, app.state.policy
    gate = asyncio.Event()

    async def held_open(session, **_) -> None:
        await gate.wait()

    closer = MonthCloser(runtime, policy, steps=[held_open])
    running = asyncio.create_task(closer.close("2026-10"))
    await asyncio.sleep(0.2)
    try:
        with pytest.raises(CloseRunning):
            await closer.close("2026-09")
        if runtime.engine.dialect.name == "postgresql":
            with pytest.raises(CloseRunning):
                await MonthCloser(runtime, policy).close("2026-09")
    finally:
        gate.set()
        await running
