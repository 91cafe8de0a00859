from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from kam_service_desk.tables import messaging


def ticket_in(customer_id: str, **overrides) -> dict:
    body = {
        "customer_id": customer_id,
        "type": "inquiry",
        "channel": "phone",
        "subject": "Pick-up times for the new warehouse",
        "description": "The customer asks when the courier can collect from the new warehouse.",
    }
    return {**body, **overrides}


@pytest.fixture
async def gold_customer(bus, events) -> str:
    await bus.deliver(
        events.registered("gold-1"), events.tier_changed("gold-1", old="standard", new="gold", sequence=1)
    )
    return "gold-1"


async def test_a_gold_inquiry_received_on_a_sunday_is_due_two_and_24_business_hours_from_monday_09_00(
    client, gold_customer
):
    received = "2026-03-01T09:30:00+08:00"  # a Sunday

    response = await client.post("/v1/tickets", json=ticket_in(gold_customer, received_at=received))

    assert response.status_code == 201, response.text
    ticket = response.json()
    received_at = datetime.fromisoformat(received)
    assert datetime.fromisoformat(ticket["received_at"]) == received_at
    assert datetime.fromisoformat(ticket["first_response_due_at"]) == datetime.fromisoformat("2026-03-02T11:00+08:00")
    # Monday 9 h, Tuesday 9 h, then 6 h of Wednesday.
    assert datetime.fromisoformat(ticket["resolution_due_at"]) == datetime.fromisoformat("2026-03-04T15:00+08:00")
    assert (ticket["status"], ticket["priority"], ticket["level"], ticket["tier"]) == ("open", "high", 0, "gold")
    assert response.headers["Location"].endswith(f"/v1/tickets/{ticket['id']}")


async def test_received_at_defaults_to_now(client, gold_customer, clock):
    response = await client.post("/v1/tickets", json=ticket_in(gold_customer))

    assert datetime.fromisoformat(response.json()["received_at"]) == clock.now()
    assert datetime.fromisoformat(response.json()["created_at"]) == clock.now()


async def test_a_ticket_is_opened_with_its_timeline_entry_and_a_ticket_opened_event(client, gold_customer, sessions):
    response = await client.post("/v1/tickets", json=ticket_in(gold_customer, type="complaint", channel="letter"))

    ticket = response.json()
    assert [entry["kind"] for entry in ticket["timeline"]] == ["opened"]
    async with sessions() as session:
        rows = (await session.execute(select(messaging.outbox.c.event_type, messaging.outbox.c.message_key))).all()
    assert [(row.event_type, row.message_key) for row in rows] == [("ticket.opened", gold_customer.encode())]


async def test_complaints_from_vip_and_above_take_the_green_channel_to_level_one(client, bus, events, gold_customer):
    await bus.deliver(events.registered("std-1"))

    gold = await client.post("/v1/tickets", json=ticket_in(gold_customer, type="complaint"))
    standard = await client.post("/v1/tickets", json=ticket_in("std-1", type="complaint"))

    assert gold.json()["level"] == 1
    assert (standard.json()["level"], standard.json()["priority"], standard.json()["tier"]) == (0, "normal", "standard")


@pytest.mark.parametrize(("field", "value"), [("type", "praise"), ("channel", "pigeon")])
async def test_an_unknown_type_or_channel_is_refused(client, gold_customer, field, value):
    response = await client.post("/v1/tickets", json=ticket_in(gold_customer, **{field: value}))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


async def test_a_received_at_without_a_time_zone_is_refused(client, gold_customer):
    response = await client.post("/v1/tickets", json=ticket_in(gold_customer, received_at="2026-03-01T09:30:00"))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "received_at"


@pytest.mark.parametrize("received_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-05:00"])
async def test_a_received_at_at_the_edge_of_the_calendar_is_refused_not_a_server_error(
    client, gold_customer, received_at
):
    response = await client.post("/v1/tickets", json=ticket_in(gold_customer, received_at=received_at))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "received_at"


async def test_a_received_at_in_the_future_is_refused_but_small_clock_skew_is_not(client, gold_customer, clock):
    an_hour_ahead = (clock.now() + timedelta(hours=1)).isoformat()
    two_minutes_ahead = (clock.now() + timedelta(minutes=2)).isoformat()

    ahead = await client.post("/v1/tickets", json=ticket_in(gold_customer, received_at=an_hour_ahead))
    skewed = await client.post("/v1/tickets", json=ticket_in(gold_customer, received_at=two_minutes_ahead))

    assert ahead.status_code == 422
    assert ahead.json()["errors"][0]["field"] == "received_at"
    assert skewed.status_code == 201


async def test_a_request_without_an_api_key_is_refused(app, gold_customer):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as anonymous:
        response = await anonymous.post("/v1/tickets", json=ticket_in(gold_customer))

    assert response.status_code == 401


async def test_a_ticket_is_read_back_with_its_timeline(client, gold_customer):
    opened = (await client.post("/v1/tickets", json=ticket_in(gold_customer))).json()

    response = await client.get(f"/v1/tickets/{opened['id']}")

    assert response.status_code == 200
    assert response.json() == opened


async def test_an_unknown_ticket_is_not_found(client):
    assert (await client.get("/v1/tickets/no-such-ticket")).status_code == 404
