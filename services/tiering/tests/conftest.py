"""The tiering service in-process: its own database (SQLite, or PostgreSQL in CI), the embedded bus, a fixed clock.

Registry events reach it the way they do in production: encoded records on the registry topic."""

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI

from kam_shared.clock import FixedClock
from kam_shared.events.catalog import BillingAccountLinked, BillingPosted, CustomerRegistered
from kam_shared.testing import ServiceBus
from kam_tiering.config import TieringSettings
from kam_tiering.main import create_app

API_KEY = "test-key"
# Noon on 20 November 2026 in the carrier's time zone (Asia/Shanghai): the trailing window is 2025-12 .. 2026-11.
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


def yuan(amount: str) -> int:
    """Minor units (fen) of an amount written in yuan, e.g. "600,000.00"."""
    return int(Decimal(amount.replace(",", "")) * 100)


def billing(billing_id: str, **fields) -> dict:
    """One billing event as a partner posts it; account MS-0001 and 100.00 CNY unless told otherwise."""
    event = {
        "billing_id": billing_id,
        "account_no": "MS-0001",
        "amount_minor": yuan("100.00"),
        "currency": "CNY",
        "business_line": "domestic_express",
        "items": 3,
        "posted_on": "2026-11-10",
    }
    event.update(fields)
    return {name: value for name, value in event.items() if value is not None}


def registered(customer_id: str, **fields) -> CustomerRegistered:
    defaults = {"full_name": f"{customer_id} Co., Ltd.", "branch": "XM01", "registered_at": NOW}
    return CustomerRegistered(customer_id=customer_id, **{**defaults, **fields})


def linked(
    customer_id: str, account_no: str, effective_from: date, previous: str | None = None
) -> BillingAccountLinked:
    return BillingAccountLinked(
        customer_id=customer_id,
        account_no=account_no,
        effective_from=effective_from,
        previous_customer_id=previous,
        linked_at=NOW,
    )


def posted(billing_id: str, **fields) -> BillingPosted:
    event = billing(billing_id, **fields)
    return BillingPosted(**event)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def service_app(database_url, clock: FixedClock) -> FastAPI:
    """The service, not yet started: the root conftest's `app`, `client` and `bus` fixtures run it."""
    url = await database_url("tiering")
    return create_app(
        TieringSettings(database_url=url, admin_api_key=API_KEY, month_close_automatic=False), clock=clock
    )


@pytest.fixture
def post_billing(client: httpx.AsyncClient, bus: ServiceBus) -> Callable[..., Awaitable[dict]]:
    """Posts billing events, checks they were taken in, and waits until they are in the ledger."""

    async def post(*events: dict) -> dict:
        response = await client.post("/v1/billing-events", json={"events": list(events)})
        assert response.status_code == 202, response.text
        await bus.settled()
        return response.json()

    return post


@pytest.fixture
def tier_of(client: httpx.AsyncClient) -> Callable[[str], Awaitable[dict]]:
    async def tier(customer_id: str) -> dict:
        response = await client.get(f"/v1/customers/{customer_id}/tier")
        assert response.status_code == 200, response.text
        return response.json()

    return tier


@pytest.fixture
def revenue_of(client: httpx.AsyncClient) -> Callable[..., Awaitable[dict[str, int]]]:
    """A customer's monthly amounts, only the months with billing."""

    async def revenue(customer_id: str, **query: str) -> dict[str, int]:
        response = await client.get(f"/v1/customers/{customer_id}/revenue", params=query)
        assert response.status_code == 200, response.text
        return {month["month"]: month["amount_minor"] for month in response.json()["months"] if month["amount_minor"]}

    return revenue
