"""One customer through all four services, in both run modes.

Register, link a billing account, post a year of billing worth 600,000.00 CNY: tiering says gold, the service
desk gives a ticket Gold due times, reporting counts the customer under gold. Posting again counts nothing twice."""

from datetime import date, timedelta

from kam_shared.clock import add_months
from kam_shared.events.catalog import BillingPosted
from kam_shared.events.envelope import Envelope
from kam_shared.testing import eventually, outgoing

from .conftest import CONVERGENCE_S, NOW, Suite  # noqa: TID252

MONTHS = [add_months("2026-11", -back) for back in range(11, -1, -1)]
MONTHLY_FEN = 5_000_000  # 50,000.00 CNY, twelve times: 600,000.00 CNY
YEAR_FEN = 12 * MONTHLY_FEN


def year_of_billing(account_no: str) -> list[dict]:
    return [
        {
            "billing_id": f"bill-{account_no}-{month}",
            "account_no": account_no,
            "amount_minor": MONTHLY_FEN,
            "currency": "CNY",
            "business_line": "domestic express",
            "items": 2_500,
            "posted_on": f"{month}-15",
        }
        for month in MONTHS
    ]


async def tier_of(suite: Suite, customer_id: str) -> dict:
    response = await suite["tiering"].get(f"/v1/customers/{customer_id}/tier")
    return response.json() if response.status_code == 200 else {}


async def gold_row(suite: Suite) -> dict:
    report = (await suite["reporting"].get("/v1/reports/tiers")).json()
    return next(row for row in report["tiers"] if row["tier"] == "gold")


async def test_a_gold_customer_is_classified_served_and_reported_alike_in_every_run_mode(suite: Suite):
    for service in ("registry", "tiering", "service-desk", "reporting"):
        assert (await suite[service].get("/healthz")).status_code == 200
        assert (await suite[service].get("/readyz")).status_code == 200

    created = await suite["registry"].post(
        "/v1/customers",
        json={"full_name": "Shenzhen Harbour Logistics Co., Ltd.", "branch": "SZ01", "industry": "e-commerce"},
    )
    assert created.status_code == 201, created.text
    customer_id = created.json()["id"]
    linked = await suite["registry"].post(
        f"/v1/customers/{customer_id}/billing-accounts", json={"account_no": "MS-0001", "effective_from": "2024-01-01"}
    )
    assert linked.status_code == 201, linked.text

    posted = await suite["tiering"].post("/v1/billing-events", json={"events": year_of_billing("MS-0001")})
    assert posted.status_code == 202
    assert posted.json() == {"accepted": 12, "duplicates": 0, "rejected": []}

    tier = await eventually(lambda: _tier_is(suite, customer_id, "gold"), timeout=CONVERGENCE_S, what="gold tier")
    assert tier["revenue_12m_minor"] == YEAR_FEN
    assert tier["qualified"] is True
    assert tier["policy_id"] == "postal-standard"

    await eventually(
        lambda: _service_desk_knows(suite, customer_id, "gold"), timeout=CONVERGENCE_S, what="service desk knows gold"
    )
    received_at = NOW - timedelta(hours=1)
    ticket = await suite["service-desk"].post(
        "/v1/tickets",
        json={
            "customer_id": customer_id,
            "type": "complaint",
            "channel": "letter",
            "subject": "Parcels left at the gate",
            "description": "Three parcels were left outside the gate on Tuesday.",
            "received_at": received_at.isoformat(),
        },
    )
    assert ticket.status_code == 201, ticket.text
    body = ticket.json()
    assert body["tier"] == "gold"
    assert body["level"] == 1  # green channel: complaints of VIP and above skip the service centre
    assert _instant(body["first_response_due_at"]) == received_at + timedelta(hours=2)
    # Received Friday 11:00 in Shanghai: 24 business hours are Friday's 7, Monday's 9 and 8 of Tuesday.
    assert _instant(body["resolution_due_at"]) == _instant("2026-11-24T17:00:00+08:00")

    gold = await eventually(lambda: _gold_counts(suite, 1, YEAR_FEN), timeout=CONVERGENCE_S, what="gold counted")
    assert gold["revenue_12m_minor"] == YEAR_FEN

    again = await suite["tiering"].post("/v1/billing-events", json={"events": year_of_billing("MS-0001")})
    assert again.json() == {"accepted": 0, "duplicates": 12, "rejected": []}

    # A partner publishing straight to the bus: one billing id the ledger already has, one new one.
    await _publish_billing(suite, "bill-MS-0001-2026-11", amount=MONTHLY_FEN)
    await _publish_billing(suite, "bill-MS-0001-late", amount=100)
    await eventually(
        lambda: _tier_revenue_is(suite, customer_id, YEAR_FEN + 100), timeout=CONVERGENCE_S, what="late bill in tier"
    )
    await eventually(
        lambda: _gold_counts(suite, 1, YEAR_FEN + 100), timeout=CONVERGENCE_S, what="reporting adds the late bill"
    )
    assert (await tier_of(suite, customer_id))["revenue_12m_minor"] == YEAR_FEN + 100

    for service, path in (
        ("registry", f"/v1/customers/{customer_id}"),
        ("tiering", f"/v1/customers/{customer_id}/tier"),
        ("service-desk", f"/v1/tickets/{body['id']}"),
        ("reporting", "/v1/reports/tiers"),
    ):
        assert (await suite[service].get(path, headers={"X-API-Key": ""})).status_code == 401
        assert (await suite[service].get(path, headers={"X-API-Key": "wrong"})).status_code == 401


async def _tier_is(suite: Suite, customer_id: str, tier: str) -> dict | None:
    found = await tier_of(suite, customer_id)
    return found if found.get("tier") == tier else None


async def _tier_revenue_is(suite: Suite, customer_id: str, revenue: int) -> bool:
    return (await tier_of(suite, customer_id)).get("revenue_12m_minor") == revenue


async def _service_desk_knows(suite: Suite, customer_id: str, tier: str) -> bool:
    response = await suite["service-desk"].get(f"/v1/customers/{customer_id}/service-level")
    return response.status_code == 200 and response.json()["tier"] == tier


async def _gold_counts(suite: Suite, customers: int, revenue: int) -> dict | None:
    row = await gold_row(suite)
    return row if row["customers"] == customers and row["revenue_12m_minor"] == revenue else None


async def _publish_billing(suite: Suite, billing_id: str, *, amount: int) -> None:
    event = BillingPosted(
        billing_id=billing_id,
        account_no="MS-0001",
        amount_minor=amount,
        currency="CNY",
        business_line="domestic express",
        items=1,
        posted_on=date(2026, 11, 18),
    )
    await suite.partner_bus.send([outgoing(Envelope.wrap(event, source="/partner/billing", time=NOW))])


def _instant(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))
