"""Absurd input is refused with a 422 naming what is wrong, never a server error (run on PostgreSQL too: it
cannot store NUL, where SQLite can)."""

import pytest

from kam_shared.paging import encode_cursor

LONG = "x" * 10_000


def ticket_in(**overrides) -> dict:
    body = {"customer_id": "c-1", "type": "inquiry", "channel": "web", "subject": "s", "description": "d"}
    return {**body, **overrides}


def cursor(raw: str) -> str:
    """A cursor in the format the service issues, keys apart at `|`, whatever they hold."""
    return encode_cursor(*raw.split("|"))


@pytest.fixture(autouse=True)
async def known_customer(bus, events) -> None:
    await bus.deliver(events.registered("c-1"))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"customer_id": "c\x00-1"}, "customer_id"),
        ({"customer_id": 12345}, "customer_id"),
        ({"customer_id": LONG}, "customer_id"),
        ({"subject": "Locker\x00"}, "subject"),
        ({"description": "\x00"}, "description"),
        ({"description": LONG + "x"}, "description"),
        ({"type": ["repair"]}, "type"),
        ({"received_at": -1}, "received_at"),
        ({"received_at": "2026-03-01T00:00:00+25:00"}, "received_at"),
        # Lax parsing would read a Unix time: 1764547200 is 2025-12-01.
        ({"received_at": 1764547200}, "received_at"),
        ({"received_at": 1764547200.5}, "received_at"),
        ({"subject": "   "}, "subject"),
        ({"subject": "Locker\x1b[31m"}, "subject"),
    ],
)
async def test_an_absurd_ticket_is_refused_naming_the_field(client, overrides, field):
    response = await client.post("/v1/tickets", json=ticket_in(**overrides))

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


async def test_a_ticket_in_any_script_is_accepted(client):
    response = await client.post("/v1/tickets", json=ticket_in(subject="快递柜故障 🔧", description="无法开柜"))

    assert response.status_code == 201, response.text


@pytest.mark.parametrize("path_id", [LONG, "a%00b", "%00", "a%0Ab"])
async def test_an_absurd_id_in_the_path_is_refused(client, path_id):
    ticket = await client.get(f"/v1/tickets/{path_id}")
    level = await client.get(f"/v1/customers/{path_id}/service-level")

    assert (ticket.status_code, level.status_code) == (422, 422), (ticket.text, level.text)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 10**30}, "limit"),
        ({"limit": -1}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"level": -1}, "level"),
        ({"level": 10**30}, "level"),
        ({"customer_id": "c\x00-1"}, "customer_id"),
        ({"customer_id": LONG}, "customer_id"),
        ({"cursor": LONG}, "cursor"),
        ({"cursor": cursor("0001-01-01T00:00:00+14:00|x")}, "cursor"),
        ({"cursor": cursor("9999-12-31T23:00:00-05:00|x")}, "cursor"),
        ({"cursor": cursor("2026-01-01T00:00:00+00:00|a\x00b")}, "cursor"),
        ({"cursor": cursor("2026-01-01T00:00:00+00:00|" + "x" * 300)}, "cursor"),
        ({"cursor": cursor("2026-01-01T00:00:00|x")}, "cursor"),
    ],
)
async def test_absurd_listing_parameters_are_refused_naming_the_parameter(client, params, field):
    response = await client.get("/v1/tickets", params=params)

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
