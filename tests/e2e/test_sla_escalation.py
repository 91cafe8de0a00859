"""The SLA clock in the all-in-one run: a fault received long ago escalates on its own, and keeps escalating as
time passes, with no request but reads."""

from contextlib import AsyncExitStack
from datetime import timedelta

import httpx
import pytest

from kam_shared.clock import FixedClock
from kam_shared.testing import eventually

from .conftest import NOW, Suite, embedded_suite  # noqa: TID252

# The scheduler looks every second by default: "within seconds".
WITHIN_S = 5.0


@pytest.fixture
async def embedded(tmp_path):
    async with AsyncExitStack() as stack:
        yield await embedded_suite(stack, tmp_path, FixedClock(NOW))


async def gold_customer(suite: Suite) -> str:
    created = await suite["registry"].post("/v1/customers", json={"full_name": "Harbour Logistics", "branch": "SZ01"})
    assert created.status_code == 201, created.text
    customer_id = created.json()["id"]

    async def overridden() -> httpx.Response | None:
        response = await suite["tiering"].put(
            f"/v1/customers/{customer_id}/tier-override",
            json={"tier": "gold", "reason": "key account signed", "expires_on": "2027-06-30"},
        )
        return response if response.status_code == 200 else None

    await eventually(overridden, timeout=WITHIN_S, what="tier override accepted")

    async def desk_knows_gold() -> bool:
        response = await suite["service-desk"].get(f"/v1/customers/{customer_id}/service-level")
        return response.status_code == 200 and response.json()["tier"] == "gold"

    await eventually(desk_knows_gold, timeout=WITHIN_S, what="service desk knows gold")
    return customer_id


async def test_a_gold_fault_received_30_hours_ago_reaches_level_2_and_then_3_by_itself(embedded: Suite):
    customer_id = await gold_customer(embedded)
    received_at = NOW - timedelta(hours=30)

    opened = await embedded["service-desk"].post(
        "/v1/tickets",
        json={
            "customer_id": customer_id,
            "type": "repair",
            "channel": "fax",
            "subject": "Sorting line down",
            "description": "The fax reporting the sorting line failure was found this morning.",
            "received_at": received_at.isoformat(),
        },
    )
    assert opened.status_code == 201, opened.text
    ticket_id = opened.json()["id"]

    async def level() -> int:
        return (await embedded["service-desk"].get(f"/v1/tickets/{ticket_id}")).json()["level"]

    async def at_least(wanted: int):
        reached = await level()
        return reached if reached >= wanted else None

    assert await eventually(lambda: at_least(2), timeout=WITHIN_S, what="level 2") >= 2
    # Level 2's fresh 24 h run from the missed resolution (received + 24 h): 18 h from now. Let a day pass.
    embedded.clock.advance(timedelta(hours=19))
    assert await eventually(lambda: at_least(3), timeout=WITHIN_S, what="level 3") == 3

    escalated = (await embedded["service-desk"].get("/v1/tickets", params={"level": 3, "breached": "true"})).json()
    assert [item["id"] for item in escalated["items"]] == [ticket_id]
