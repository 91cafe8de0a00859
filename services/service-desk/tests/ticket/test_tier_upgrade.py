from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from kam_service_desk.ticket.models import Ticket

# Half an hour before the tests' clock: no target, not even a Platinum one, has fallen due yet.
RECEIVED = "2026-03-02T09:30:00+08:00"


@pytest.fixture
async def standard_customer(bus, events) -> str:
    await bus.deliver(events.registered("c-1"), events.tier_changed("c-1", old="vip", new="standard", sequence=1))
    return "c-1"


async def open_ticket(client, customer_id: str, ticket_type: str = "repair") -> dict:
    body = {
        "customer_id": customer_id,
        "type": ticket_type,
        "channel": "phone",
        "subject": "Parcel locker out of order",
        "description": "The locker at the customer's lobby rejects every code.",
        "received_at": RECEIVED,
    }
    response = await client.post("/v1/tickets", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def due(ticket: dict) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(ticket["first_response_due_at"]), datetime.fromisoformat(ticket["resolution_due_at"])


async def test_a_promotion_gives_open_tickets_the_targets_of_the_new_tier(client, bus, events, standard_customer):
    ticket = await open_ticket(client, standard_customer)

    await bus.deliver(events.tier_changed(standard_customer, old="standard", new="platinum", sequence=2))

    after = (await client.get(f"/v1/tickets/{ticket['id']}")).json()
    received_at = datetime.fromisoformat(RECEIVED)
    assert due(after) == (received_at + timedelta(hours=1), received_at + timedelta(hours=4))
    assert (after["tier"], after["priority"]) == ("platinum", "urgent")
    tightened = after["timeline"][-1]
    assert [entry["kind"] for entry in after["timeline"]] == ["opened", "targets_tightened"]
    assert tightened["details"]["before"]["tier"] == "standard" and tightened["details"]["sequence"] == 2


async def test_a_demotion_leaves_open_tickets_as_they_were(client, bus, events):
    await bus.deliver(events.registered("c-2"), events.tier_changed("c-2", old="standard", new="gold", sequence=1))
    ticket = await open_ticket(client, "c-2")

    await bus.deliver(events.tier_changed("c-2", old="gold", new="vip", sequence=2))

    after = (await client.get(f"/v1/tickets/{ticket['id']}")).json()
    assert due(after) == due(ticket)
    assert (after["tier"], len(after["timeline"])) == ("gold", 1)


async def test_a_promotion_never_moves_a_due_time_later(client, bus, events, standard_customer, sessions):
    ticket = await open_ticket(client, standard_customer)
    earlier = datetime.fromisoformat(RECEIVED) + timedelta(minutes=30)
    async with sessions() as session, session.begin():
        await session.execute(update(Ticket).where(Ticket.id == ticket["id"]).values(first_response_due_at=earlier))

    await bus.deliver(events.tier_changed(standard_customer, old="standard", new="gold", sequence=2))

    first_response_due_at, resolution_due_at = due((await client.get(f"/v1/tickets/{ticket['id']}")).json())
    assert first_response_due_at == earlier
    assert resolution_due_at == datetime.fromisoformat(RECEIVED) + timedelta(hours=24)


async def test_finished_tickets_keep_their_targets(client, bus, events, standard_customer, sessions):
    ticket = await open_ticket(client, standard_customer)
    async with sessions() as session, session.begin():
        await session.execute(update(Ticket).where(Ticket.id == ticket["id"]).values(status="resolved"))

    await bus.deliver(events.tier_changed(standard_customer, old="standard", new="strategic", sequence=2))

    after = (await client.get(f"/v1/tickets/{ticket['id']}")).json()
    assert due(after) == due(ticket) and len(after["timeline"]) == 1


async def test_a_stale_promotion_arriving_late_does_not_touch_tickets(client, bus, events, standard_customer):
    ticket = await open_ticket(client, standard_customer)

    await bus.deliver(events.tier_changed(standard_customer, old="gold", new="platinum", sequence=1))

    after = (await client.get(f"/v1/tickets/{ticket['id']}")).json()
    assert due(after) == due(ticket) and after["tier"] == "standard"


async def test_a_promotion_delivered_twice_tightens_once(client, bus, events, standard_customer):
    ticket = await open_ticket(client, standard_customer)
    promotion = bus.wrap(events.tier_changed(standard_customer, old="standard", new="gold", sequence=2))

    await bus.deliver(promotion)
    await bus.deliver(promotion)

    after = (await client.get(f"/v1/tickets/{ticket['id']}")).json()
    assert [entry["kind"] for entry in after["timeline"]] == ["opened", "targets_tightened"]


async def test_successive_promotions_tighten_step_by_step_on_the_business_calendar(
    client, bus, events, standard_customer
):
    ticket = await open_ticket(client, standard_customer, ticket_type="inquiry")

    await bus.deliver(events.tier_changed(standard_customer, old="standard", new="vip", sequence=2))
    await bus.deliver(events.tier_changed(standard_customer, old="vip", new="gold", sequence=3))

    after = (await client.get(f"/v1/tickets/{ticket['id']}")).json()
    # Received Monday 09:30: Gold's 2 h that morning, its 24 h over Monday (8.5 h), Tuesday and 6.5 h of Wednesday.
    assert due(after) == (
        datetime.fromisoformat("2026-03-02T11:30+08:00"),
        datetime.fromisoformat("2026-03-04T15:30+08:00"),
    )
    assert [entry["details"]["after"]["tier"] for entry in after["timeline"][1:]] == ["vip", "gold"]


async def test_a_promotion_of_a_paused_ticket_shortens_what_its_resolution_has_left(
    client, bus, events, standard_customer, clock
):
    # Standard complaint received Monday 09:30: 72 business hours. Acknowledged, then paused at 10:00 with
    # 71.5 h left; Gold's 24 h from 09:30 leave 23.5 h from the pause, which resume gives back.
    ticket = await open_ticket(client, standard_customer, ticket_type="complaint")
    for action in ("acknowledge", "pause"):
        response = await client.post(f"/v1/tickets/{ticket['id']}/actions", json={"action": action})
        assert response.status_code == 200, response.text

    await bus.deliver(events.tier_changed(standard_customer, old="standard", new="gold", sequence=2))
    clock.advance(timedelta(hours=2))  # resumed Monday 12:00
    resumed = (await client.post(f"/v1/tickets/{ticket['id']}/actions", json={"action": "resume"})).json()

    # 23.5 h from Monday 12:00: Monday 6 h, Tuesday 9 h, then 8.5 h of Wednesday.
    assert datetime.fromisoformat(resumed["resolution_due_at"]) == datetime.fromisoformat("2026-03-04T17:30+08:00")
    assert resumed["tier"] == "gold"
