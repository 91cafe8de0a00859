"""A ticket for a customer the service desk has not heard of yet: registered a moment ago, or never."""

import asyncio
import time

from kam_service_desk.customer.arrival import RegistrationWait

from ..conftest import CUSTOMER_WAIT_S  # noqa: TID252


def ticket_in(customer_id: str) -> dict:
    return {"customer_id": customer_id, "type": "inquiry", "channel": "web", "subject": "s", "description": "d"}


async def test_a_customer_that_never_arrives_gets_a_retryable_conflict_after_the_bounded_wait(client):
    started = time.monotonic()
    response = await client.post("/v1/tickets", json=ticket_in("nobody"))
    waited = time.monotonic() - started

    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["type"] == "urn:kam:problem:customer-not-yet-known"
    assert (problem["customer_id"], problem["errors"][0]["field"]) == ("nobody", "customer_id")
    assert response.headers["Retry-After"] == "1"
    assert CUSTOMER_WAIT_S <= waited < CUSTOMER_WAIT_S + 2


async def test_a_registration_arriving_during_the_wait_lets_the_ticket_through(client, bus, events):
    opening = asyncio.create_task(client.post("/v1/tickets", json=ticket_in("c-new")))
    await asyncio.sleep(CUSTOMER_WAIT_S / 3)

    await bus.deliver(events.registered("c-new"))

    response = await opening
    assert response.status_code == 201, response.text
    assert response.json()["customer_id"] == "c-new"


async def test_the_wait_gives_up_once_its_time_is_spent(sessions):
    wait = RegistrationWait(sessions, within_s=0.1)

    started = time.monotonic()
    arrived = await wait.until_registered("nobody")

    assert arrived is False
    assert 0.1 <= time.monotonic() - started < 1


async def test_the_wait_returns_at_once_for_a_customer_already_known(sessions, bus, events):
    await bus.deliver(events.registered("c-1"))
    wait = RegistrationWait(sessions, within_s=5)

    started = time.monotonic()
    arrived = await wait.until_registered("c-1")

    assert arrived is True
    assert time.monotonic() - started < 1


async def test_the_conflict_and_its_retry_after_header_are_in_the_openapi_document(client):
    operation = (await client.get("/openapi.json")).json()["paths"]["/v1/tickets"]["post"]

    conflict = operation["responses"]["409"]
    assert "customer-not-yet-known" in conflict["description"]
    assert "Retry-After" in conflict["headers"]


async def test_a_ticket_received_in_the_future_is_refused_at_once_without_waiting_for_its_customer(client):
    body = ticket_in("nobody") | {"received_at": "2027-01-01T00:00:00+00:00"}

    started = time.monotonic()
    response = await client.post("/v1/tickets", json=body)

    assert response.status_code == 422
    assert time.monotonic() - started < CUSTOMER_WAIT_S
