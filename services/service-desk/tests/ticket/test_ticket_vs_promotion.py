"""A ticket opened while a promotion of its customer is being applied, in two transactions at once.

Meaningful on PostgreSQL (KAM_TEST_DATABASE_URL): there the two transactions really overlap. On SQLite
BEGIN IMMEDIATE lets one writer in at a time, so the same steps run one after the other."""

import asyncio
from datetime import datetime, timedelta

from kam_service_desk.customer import service as customers
from kam_service_desk.ticket import service as tickets
from kam_service_desk.ticket.schemas import TicketCreate

# Half an hour before the tests' clock: no target, not even a Platinum one, has fallen due yet.
RECEIVED = datetime.fromisoformat("2026-03-02T09:30:00+08:00")
# Long enough for the second transaction to get as far as it can while the first is still open.
OVERLAP_S = 0.5


def repair(customer_id: str) -> TicketCreate:
    return TicketCreate(
        customer_id=customer_id,
        type="repair",
        channel="phone",
        subject="Parcel locker out of order",
        description="The locker at the customer's lobby rejects every code.",
        received_at=RECEIVED,
    )


async def test_a_ticket_opened_while_a_promotion_is_applied_gets_the_new_tiers_targets(app, bus, events, client):
    await bus.deliver(events.registered("c-1"), events.tier_changed("c-1", old="vip", new="standard", sequence=1))
    runtime = app.state.runtime

    async def open_ticket():
        async with runtime.sessions() as session, session.begin():
            return await tickets.open_ticket(session, ticket_in=repair("c-1"), outbox=runtime.outbox, clock=bus.clock)

    async with runtime.sessions() as promoting, promoting.begin():
        promotion = events.tier_changed("c-1", old="standard", new="platinum", sequence=2)
        await customers.record_tier_change(promoting, event=promotion, clock=bus.clock, outbox=runtime.outbox)
        opening = asyncio.create_task(open_ticket())
        await asyncio.sleep(OVERLAP_S)
    opened = await opening

    stored = (await client.get(f"/v1/tickets/{opened.id}")).json()
    assert (stored["tier"], stored["priority"]) == ("platinum", "urgent")
    assert datetime.fromisoformat(stored["resolution_due_at"]) == RECEIVED + timedelta(hours=4)


async def test_a_promotion_applied_while_a_ticket_is_being_opened_tightens_that_ticket(app, bus, events, client):
    await bus.deliver(events.registered("c-1"), events.tier_changed("c-1", old="vip", new="standard", sequence=1))
    runtime = app.state.runtime

    async def promote() -> None:
        async with runtime.sessions() as session, session.begin():
            promotion = events.tier_changed("c-1", old="standard", new="platinum", sequence=2)
            await customers.record_tier_change(session, event=promotion, clock=bus.clock, outbox=runtime.outbox)

    async with runtime.sessions() as opening, opening.begin():
        opened = await tickets.open_ticket(opening, ticket_in=repair("c-1"), outbox=runtime.outbox, clock=bus.clock)
        promoting = asyncio.create_task(promote())
        await asyncio.sleep(OVERLAP_S)
    await promoting

    stored = (await client.get(f"/v1/tickets/{opened.id}")).json()
    assert opened.tier == "standard"
    assert (stored["tier"], stored["priority"]) == ("platinum", "urgent")
    assert [entry["kind"] for entry in stored["timeline"]] == ["opened", "targets_tightened"]
