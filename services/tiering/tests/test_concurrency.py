"""Two transactions working on one customer, account or charge at once (two replicas, two partitions) see each
other's work: these tests mean something on PostgreSQL (KAM_TEST_DATABASE_URL)."""

import asyncio
from collections.abc import Callable
from datetime import date

import pytest

from kam_shared.events.catalog import BillingPosted
from kam_shared.events.envelope import Envelope
from kam_tiering.billing import intake
from kam_tiering.billing import service as billing
from kam_tiering.customer import service as customers

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


# Two consumers (two replicas, two partitions) applying news that decide where one line counts. Each pair runs
# the first in an open transaction while the second gets as far as it can; on PostgreSQL, without the locks on
# the account, the customer and the charge, neither sees the other's uncommitted rows and the line waits for
# good. (On SQLite one writer at a time makes them pass trivially.)
CHARGE = BillingPosted(
    billing_id="B-1",
    account_no="ACC-1",
    amount_minor=100_000,
    currency="CNY",
    business_line="parcels",
    posted_on=date(2026, 11, 10),
)
CORRECTION = BillingPosted(
    billing_id="B-1-fix",
    account_no="ACC-1",
    amount_minor=-30_000,
    currency="CNY",
    business_line="parcels",
    posted_on=date(2026, 11, 12),
    corrects_billing_id="B-1",
)
NAMED_CHARGE = CHARGE.model_copy(update={"account_no": None, "customer_id": "C-1"})


async def side_by_side(app, first: Callable, second: Callable) -> None:
    """Runs `first` in a transaction that stays open while `second` runs in its own, then lets both finish."""
    runtime, policy = app.state.runtime, app.state.policy

    async def in_transaction(step: Callable) -> None:
        async with runtime.sessions() as session, session.begin():
            await step(session, runtime, policy)

    async with runtime.sessions() as session, session.begin():
        await first(session, runtime, policy)
        other = asyncio.create_task(in_transaction(second))
        await asyncio.sleep(0.5)
    await other


def bill(*events: BillingPosted) -> Callable:
    async def step(session, runtime, policy) -> None:
        envelopes = [Envelope.wrap(event, source="/test", time=NOW) for event in events]
        await billing.apply_posted(
            session, envelopes=envelopes, policy=policy, outbox=runtime.outbox, clock=runtime.clock
        )

    return step


async def link(session, runtime, policy) -> None:
    await billing.attribute_account(
        session,
        account_no="ACC-1",
        customer_id="C-1",
        effective_from=date(2026, 1, 1),
        policy=policy,
        outbox=runtime.outbox,
        clock=runtime.clock,
    )


async def register(session, runtime, policy) -> None:
    await customers.record_registrations(
        session, events=[registered("C-1")], policy=policy, outbox=runtime.outbox, clock=runtime.clock
    )


@pytest.mark.parametrize(
    ("first", "second"), [(bill(CHARGE), link), (link, bill(CHARGE))], ids=["bill-first", "link-first"]
)
async def test_billing_and_the_link_of_its_account_applied_at_once_count_the_charge(
    app, client, bus, revenue_of, first, second
):
    await bus.publish(registered("C-1"))
    await bus.settled()

    await side_by_side(app, first, second)

    assert await revenue_of("C-1") == {"2026-11": 100_000}
    assert (await client.get("/v1/billing/waiting")).json() == []


@pytest.mark.parametrize(
    ("first", "second"),
    [(bill(CHARGE), bill(CORRECTION)), (bill(CORRECTION), bill(CHARGE))],
    ids=["charge-first", "correction-first"],
)
async def test_a_correction_and_its_charge_applied_at_once_both_count(app, client, bus, revenue_of, first, second):
    await bus.publish(registered("C-1"))
    await bus.settled()
    async with app.state.runtime.sessions() as session, session.begin():
        await link(session, app.state.runtime, app.state.policy)

    await side_by_side(app, first, second)

    assert await revenue_of("C-1") == {"2026-11": 70_000}
    assert (await client.get("/v1/billing/waiting")).json() == []


@pytest.mark.parametrize(
    ("first", "second"),
    [(bill(NAMED_CHARGE), register), (register, bill(NAMED_CHARGE))],
    ids=["bill-first", "register-first"],
)
async def test_billing_of_an_unannounced_customer_and_its_registration_applied_at_once_count_the_charge(
    app, client, revenue_of, first, second
):
    await side_by_side(app, first, second)

    assert await revenue_of("C-1") == {"2026-11": 100_000}
    assert (await client.get("/v1/billing/waiting")).json() == []


async def move_out(session, runtime, policy) -> None:
    await billing.release_account(
        session,
        account_no="ACC-1",
        customer_id="C-1",
        effective_to=date(2026, 11, 1),
        policy=policy,
        outbox=runtime.outbox,
        clock=runtime.clock,
    )


@pytest.mark.parametrize(
    ("first", "second"), [(bill(CHARGE), move_out), (move_out, bill(CHARGE))], ids=["bill-first", "move-out-first"]
)
async def test_billing_and_a_move_out_of_its_account_applied_at_once_leave_the_charge_waiting(
    app, client, bus, revenue_of, first, second
):
    await bus.publish(registered("C-1"))
    await bus.settled()
    async with app.state.runtime.sessions() as session, session.begin():
        await link(session, app.state.runtime, app.state.policy)

    await side_by_side(app, first, second)

    assert await revenue_of("C-1") == {}
    waiting = (await client.get("/v1/billing/waiting")).json()
    assert [(group["reason"], group["account_no"], group["amount_minor"]) for group in waiting] == [
        ("account-not-linked", "ACC-1", 100_000)
    ]


class HeldOutbox:
    """An outbox whose events never leave: what it accepts stays known only to the intake, as it is between a
    202 and the relay bringing the event to the ledger."""

    def __init__(self) -> None:
        self.events: list = []

    async def add(self, session, events) -> None:
        self.events.extend(events)


def intake_of(*events: dict) -> Callable:
    async def step(session, runtime, policy) -> None:
        result = await intake.accept_batch(
            session, raw_events=list(events), policy=policy, outbox=HeldOutbox(), clock=runtime.clock
        )
        step.results.append(result)

    step.results = []
    return step


def named(billing_id: str, amount: int, **fields) -> dict:
    event = {
        "billing_id": billing_id,
        "customer_id": "C-1",
        "amount_minor": amount,
        "currency": "CNY",
        "business_line": "parcels",
        "posted_on": "2026-11-10",
    }
    return {**event, **fields}


async def _charge_in_ledger(app, bus) -> None:
    await bus.publish(registered("C-1"))
    await bus.settled()
    async with app.state.runtime.sessions() as session, session.begin():
        await bill(NAMED_CHARGE)(session, app.state.runtime, app.state.policy)


async def test_a_correction_accepted_but_not_yet_in_the_ledger_counts_against_the_next_one(app, bus):
    await _charge_in_ledger(app, bus)
    first = intake_of(named("B-1-a", -60_000, corrects_billing_id="B-1"))
    second = intake_of(
        named("B-1-b", -50_000, corrects_billing_id="B-1"), named("B-1-c", -40_000, corrects_billing_id="B-1")
    )
    for step in (first, second):
        async with app.state.runtime.sessions() as session, session.begin():
            await step(session, app.state.runtime, app.state.policy)

    [result] = second.results
    assert result.accepted == 1
    [rejection] = result.rejected
    assert rejection.billing_id == "B-1-b"
    assert rejection.reason == "amount_minor: the correction takes 50000; only 40000 remains of B-1"


async def test_corrections_of_a_charge_not_yet_in_the_ledger_take_no_more_than_it_together(app, bus):
    await bus.publish(registered("C-1"))
    await bus.settled()
    steps = [
        intake_of(named("B-9", 100_000)),
        intake_of(named("B-9-a", -70_000, corrects_billing_id="B-9")),
        intake_of(named("B-9-b", -40_000, corrects_billing_id="B-9")),
    ]
    for step in steps:
        async with app.state.runtime.sessions() as session, session.begin():
            await step(session, app.state.runtime, app.state.policy)

    assert [step.results[0].accepted for step in steps] == [1, 1, 0]
    assert steps[2].results[0].rejected[0].reason == (
        "amount_minor: the correction takes 40000; only 30000 remains of B-9"
    )


async def test_a_correction_resent_while_not_yet_in_the_ledger_is_a_duplicate_not_a_refusal(app, bus):
    await _charge_in_ledger(app, bus)
    once = named("B-1-a", -80_000, corrects_billing_id="B-1")
    steps = [intake_of(once), intake_of(once)]
    for step in steps:
        async with app.state.runtime.sessions() as session, session.begin():
            await step(session, app.state.runtime, app.state.policy)

    assert (steps[1].results[0].accepted, steps[1].results[0].duplicates, steps[1].results[0].rejected) == (0, 1, [])


async def test_two_batches_correcting_one_charge_at_once_take_no_more_than_it(app, bus):
    """On PostgreSQL, without the intake's lock on the charge neither batch sees the other's correction and both
    are accepted; the second is then refused by the ledger after its 202."""
    await _charge_in_ledger(app, bus)
    first = intake_of(named("B-1-a", -60_000, corrects_billing_id="B-1"))
    second = intake_of(named("B-1-b", -60_000, corrects_billing_id="B-1"))

    await side_by_side(app, first, second)

    assert (first.results[0].accepted, second.results[0].accepted) == (1, 0)
    assert second.results[0].rejected[0].reason == (
        "amount_minor: the correction takes 60000; only 40000 remains of B-1"
    )
