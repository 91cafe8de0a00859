"""A frontend that registers a customer and opens a ticket for it at once, as docs/api.md describes the flow.

The service desk learns customers through the bus, a moment after the registry answered; the ticket request
waits for that moment instead of refusing the customer."""

from contextlib import AsyncExitStack

import pytest

from kam_shared.clock import FixedClock

from .conftest import NOW, Suite, embedded_suite  # noqa: TID252

ROUNDS = 20


@pytest.fixture
async def embedded(tmp_path):
    async with AsyncExitStack() as stack:
        yield await embedded_suite(stack, tmp_path, FixedClock(NOW))


async def test_a_ticket_opened_right_after_registering_its_customer_is_always_accepted(embedded: Suite):
    statuses = []
    for round_no in range(ROUNDS):
        created = await embedded["registry"].post(
            "/v1/customers", json={"full_name": f"Harbour Logistics No. {round_no}", "branch": "SZ01"}
        )
        assert created.status_code == 201, created.text

        ticket = await embedded["service-desk"].post(
            "/v1/tickets",
            json={
                "customer_id": created.json()["id"],
                "type": "inquiry",
                "channel": "web",
                "subject": "First pick-up",
                "description": "When can the courier first collect?",
            },
        )
        statuses.append(ticket.status_code)

    assert statuses == [201] * ROUNDS
