"""The data the read benchmark reads: customers, a year of billing each, a ticket each.

In the all-in-one suite the services learn of customers over the in-process bus. Services running alone on
PostgreSQL share no bus, so the bench hands them the registry's customer.registered events itself, through
each service's own handlers (what its consumer would do)."""

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from kam_shared.events.catalog import CustomerRegistered
from kam_shared.events.envelope import Envelope
from kam_shared.messaging.consumer import HandlerContext

CUSTOMERS = 60  # more than one page of 50 tickets
MONTHS = [f"2026-{month:02d}-10" for month in range(1, 11)]


def register_customers(registry: httpx.Client) -> list[dict]:
    customers = []
    for index in range(CUSTOMERS):
        created = registry.post(
            "/v1/customers", json={"full_name": f"Bench Logistics {index:03d} Co., Ltd.", "branch": "SZ01"}
        )
        created.raise_for_status()
        customers.append(created.json())
    return customers


def post_billing(tiering: httpx.Client, customers: list[dict]) -> None:
    events = [
        {
            "billing_id": f"seed-{customer['id']}-{posted_on}",
            "customer_id": customer["id"],
            "amount_minor": 4_500_000,
            "currency": "CNY",
            "business_line": "domestic_express",
            "items": 40,
            "posted_on": posted_on,
        }
        for customer in customers
        for posted_on in MONTHS
    ]
    for start in range(0, len(events), 500):
        answer = tiering.post("/v1/billing-events", json={"events": events[start : start + 500]})
        answer.raise_for_status()
        if answer.json()["rejected"]:
            raise RuntimeError(f"seed billing rejected: {answer.json()['rejected'][:3]}")


def wait_for_ledger(tiering: httpx.Client, customers: list[dict]) -> None:
    """Until the seed billing is in the ledger, so the consumer applying it does not compete with the reads."""
    expected = 4_500_000 * len(MONTHS)

    def applied() -> bool:
        answer = tiering.get(
            f"/v1/customers/{customers[-1]['id']}/revenue", params={"from": "2026-01", "to": "2026-10"}
        )
        return answer.status_code == 200 and answer.json()["total_minor"] == expected

    wait_until(applied, "the seed billing in the ledger", timeout=120)


def open_tickets(service_desk: httpx.Client, customers: list[dict]) -> list[str]:
    ids = []
    for customer in customers:
        opened = service_desk.post(
            "/v1/tickets",
            json={
                "customer_id": customer["id"],
                "type": "inquiry",
                "channel": "phone",
                "subject": "Pick-up times",
                "description": "When does the courier come on Saturdays?",
            },
        )
        opened.raise_for_status()
        ids.append(opened.json()["id"])
    return ids


def wait_until(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


def announce(database_url: str, create_app: Callable, settings_class: type, customers: list[dict]) -> None:
    """Applies customer.registered for these customers with the service's own handler, in one transaction."""
    events = [
        CustomerRegistered(
            customer_id=customer["id"],
            full_name=customer["full_name"],
            branch=customer["branch"],
            registered_at=datetime.fromisoformat(customer["created_at"]),
        )
        for customer in customers
    ]
    app = create_app(settings_class(database_url=database_url, migrate_on_start=False))
    runtime = app.state.runtime
    (subscription,) = runtime.definition.subscriptions
    handler = subscription.handlers[CustomerRegistered.TYPE]
    now = datetime.now(UTC)
    envelopes = [Envelope.wrap(event, source="/kam/registry", time=now) for event in events]

    async def apply() -> None:
        try:
            async with runtime.sessions() as session, session.begin():
                context = HandlerContext(session=session, outbox=runtime.outbox, clock=runtime.clock, consumer="bench")
                await handler(context, envelopes)
        finally:
            await runtime.engine.dispose()

    asyncio.run(apply())
