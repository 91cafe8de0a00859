from datetime import timedelta

import pytest


@pytest.fixture
async def customers(bus, events) -> tuple[str, str]:
    await bus.deliver(
        events.registered("plat-1"),
        events.tier_changed("plat-1", old="standard", new="platinum", sequence=1),
        events.registered("std-1"),
    )
    return "plat-1", "std-1"


async def open_tickets(client, clock, specs) -> list[dict]:
    opened = []
    for customer_id, ticket_type in specs:
        body = {"customer_id": customer_id, "type": ticket_type, "channel": "email", "subject": "s", "description": "d"}
        response = await client.post("/v1/tickets", json=body)
        assert response.status_code == 201, response.text
        opened.append(response.json())
        clock.advance(timedelta(minutes=1))
    return opened


async def test_pages_walk_every_ticket_newest_first_without_repeats(client, clock, customers):
    opened = await open_tickets(client, clock, [(customers[index % 2], "inquiry") for index in range(7)])

    seen, cursor = [], None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/v1/tickets", params=params)).json()
        seen.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == [ticket["id"] for ticket in reversed(opened)]


async def test_tickets_opened_in_the_same_instant_are_paged_without_loss(client, customers):
    opened = []
    for _ in range(5):
        body = {"customer_id": customers[1], "type": "inquiry", "channel": "web", "subject": "s", "description": "d"}
        opened.append((await client.post("/v1/tickets", json=body)).json()["id"])

    first = (await client.get("/v1/tickets", params={"limit": 2})).json()
    rest = (await client.get("/v1/tickets", params={"limit": 10, "cursor": first["next_cursor"]})).json()

    ids = [item["id"] for item in first["items"] + rest["items"]]
    assert sorted(ids) == sorted(opened) and len(set(ids)) == 5
    assert rest["next_cursor"] is None


async def test_tickets_are_filtered_by_customer_status_and_level(client, clock, customers):
    platinum, standard = customers
    await open_tickets(client, clock, [(platinum, "complaint"), (platinum, "inquiry"), (standard, "complaint")])

    by_customer = (await client.get("/v1/tickets", params={"customer_id": platinum})).json()["items"]
    at_level_one = (await client.get("/v1/tickets", params={"level": 1})).json()["items"]
    closed = (await client.get("/v1/tickets", params={"status": "closed"})).json()["items"]

    assert {item["customer_id"] for item in by_customer} == {platinum} and len(by_customer) == 2
    assert [(item["customer_id"], item["type"]) for item in at_level_one] == [(platinum, "complaint")]
    assert closed == []


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 201}, {"cursor": "not-a-cursor"}, {"status": "lost"}, {"level": 9}]
)
async def test_malformed_listing_parameters_are_refused(client, params):
    assert (await client.get("/v1/tickets", params=params)).status_code == 422


async def test_tickets_are_filtered_by_type_channel_breach_and_due_time(client, clock, customers):
    platinum, standard = customers
    fault = (
        await client.post(
            "/v1/tickets",
            json={
                "customer_id": platinum,
                "type": "repair",
                "channel": "fax",
                "subject": "s",
                "description": "d",
                "received_at": (clock.now() - timedelta(hours=5)).isoformat(),
            },
        )
    ).json()
    [complaint, inquiry] = await open_tickets(client, clock, [(standard, "complaint"), (standard, "inquiry")])

    async def ids(**params) -> list[str]:
        response = await client.get("/v1/tickets", params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids(type="repair") == [fault["id"]]
    assert await ids(channel="email") == [inquiry["id"], complaint["id"]]
    assert fault["breached"] and await ids(breached="true") == [fault["id"]]
    assert await ids(breached="false", type="complaint") == [complaint["id"]]
    # The fault's fresh resolution target (level 2) is 4 h from the one missed: 3 h from now.
    assert await ids(due_before=(clock.now() + timedelta(hours=4)).isoformat()) == [fault["id"]]
    assert await ids(due_before=clock.now().isoformat()) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "praise"}, "type"),
        ({"channel": "pigeon"}, "channel"),
        ({"breached": "maybe"}, "breached"),
        ({"due_before": "tomorrow"}, "due_before"),
        ({"due_before": "2026-03-02T10:00:00"}, "due_before"),
        ({"due_before": "0001-01-01T00:00:00+14:00"}, "due_before"),
        ({"due_before": "9999-12-31T23:59:59-14:00"}, "due_before"),
        ({"limit": 10**12}, "limit"),
        ({"limit": 0}, "limit"),
        ({"level": 4}, "level"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"status": "lost"}, "status"),
    ],
)
async def test_a_listing_parameter_out_of_bounds_is_a_422_naming_it(client, params, field):
    response = await client.get("/v1/tickets", params=params)

    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]
