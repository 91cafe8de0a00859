"""A demotion at a month close reaches the service desk and reporting, in both run modes: their replicas apply
the tier.changed of the higher sequence, so the gold customer that stopped billing is standard everywhere."""

from datetime import datetime
from zoneinfo import ZoneInfo

from kam_shared.testing import eventually

from .conftest import CONVERGENCE_S, Suite  # noqa: TID252

GOLD_FEN = 60_000_000  # 600,000.00 CNY, all in November 2025


async def service_level(suite: Suite, customer_id: str) -> str | None:
    response = await suite["service-desk"].get(f"/v1/customers/{customer_id}/service-level")
    return response.json()["tier"] if response.status_code == 200 else None


async def reported(suite: Suite, tier: str) -> int:
    report = (await suite["reporting"].get("/v1/reports/tiers")).json()
    return next((row["customers"] for row in report["tiers"] if row["tier"] == tier), 0)


async def test_a_customer_demoted_at_a_month_close_is_served_and_reported_at_its_new_tier(suite: Suite):
    created = await suite["registry"].post("/v1/customers", json={"full_name": "Xiamen Tea Traders", "branch": "XM01"})
    assert created.status_code == 201, created.text
    customer_id = created.json()["id"]
    await eventually(
        lambda: _tiering_knows(suite, customer_id), timeout=CONVERGENCE_S, what="tiering knows the customer"
    )
    posted = await suite["tiering"].post(
        "/v1/billing-events",
        json={
            "events": [
                {
                    "billing_id": "tea-2025-11",
                    "customer_id": customer_id,
                    "amount_minor": GOLD_FEN,
                    "currency": "CNY",
                    "business_line": "parcels",
                    "posted_on": "2025-11-15",
                }
            ]
        },
    )
    assert posted.json()["accepted"] == 1
    await eventually(
        lambda: _is(service_level(suite, customer_id), "gold"), timeout=CONVERGENCE_S, what="desk serves gold"
    )
    await eventually(lambda: _is(reported(suite, "gold"), 1), timeout=CONVERGENCE_S, what="gold reported")

    # On 1 December, November 2025 has left the last 12 complete months.
    suite.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    closed = await suite["tiering"].post("/v1/months/2026-11/close")
    assert closed.status_code == 200, closed.text
    assert closed.json()["tier_changes"] == 1

    await eventually(
        lambda: _is(service_level(suite, customer_id), "standard"), timeout=CONVERGENCE_S, what="desk demotes"
    )
    await eventually(lambda: _is(reported(suite, "gold"), 0), timeout=CONVERGENCE_S, what="reporting demotes")


async def _tiering_knows(suite: Suite, customer_id: str) -> bool:
    return (await suite["tiering"].get(f"/v1/customers/{customer_id}/tier")).status_code == 200


async def _is(found, expected) -> bool:
    return await found == expected
