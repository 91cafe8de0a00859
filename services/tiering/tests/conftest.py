"""The tiering service in-process: its own database (SQLite, or PostgreSQL in CI), the embedded bus, a fixed clock.

Registry events reach it the way they do in production: encoded records on the registry topic."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TypeVar

import httpx
import pytest
from fastapi import FastAPI

from kam_shared.clock import FixedClock
from kam_shared.events.catalog import BillingAccountLinked, BillingPosted, CustomerRegistered, Event, Topics
from kam_shared.events.envelope import Envelope, decode, encode
from kam_shared.messaging.transport import OutgoingRecord
from kam_tiering.config import TieringSettings
from kam_tiering.main import create_app

API_KEY = "test-key"
# Noon on 20 November 2026 in the carrier's time zone (Asia/Shanghai): the trailing window is 2025-12 .. 2026-11.
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
CONSUMER = "tiering"

T = TypeVar("T")


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


async def until(probe: Callable[[], Awaitable[T]], *, timeout: float = 10.0, what: str = "condition") -> T:
    """Polls until the probe returns something truthy; fails after the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not reached within {timeout}s (last: {result!r})")
        await asyncio.sleep(0.02)


@dataclass
class Bus:
    """The service's bus as other services see it: send them records, read what it published, wait for it to settle."""

    app: FastAPI
    clock: FixedClock

    @property
    def transport(self):
        return self.app.state.runtime.transport

    async def send(self, *events: Event | Envelope) -> list[Envelope]:
        envelopes = [
            item if isinstance(item, Envelope) else Envelope.wrap(item, source="/test", time=self.clock.now())
            for item in events
        ]
        records = []
        for envelope in envelopes:
            wire = encode(envelope)
            records.append(OutgoingRecord(envelope.data.TOPIC, wire.key, wire.value, wire.headers))
        await self.transport.send(records)
        return envelopes

    async def settled(self) -> None:
        """Waits until the outbox is relayed and the consumer has committed everything on the topics it reads."""

        async def quiet() -> bool:
            if await self.app.state.runtime.relay.pending():
                return False
            return all(
                self.transport.committed(CONSUMER, topic) == len(self.transport.records(topic))
                for topic in (Topics.REGISTRY, Topics.BILLING)
            )

        await until(quiet, what="bus settled")

    def published(self, event_type: str, topic: str = Topics.TIERING) -> list[Envelope]:
        envelopes = [decode(record.value, record.headers) for record in self.transport.records(topic)]
        return [envelope for envelope in envelopes if envelope.type == event_type]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def app(database_url, clock: FixedClock) -> AsyncIterator[FastAPI]:
    url = await database_url("tiering")
    app = create_app(TieringSettings(database_url=url, admin_api_key=API_KEY), clock=clock)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers={"X-API-Key": API_KEY}
    ) as client:
        yield client


@pytest.fixture
def bus(app: FastAPI, clock: FixedClock) -> Bus:
    return Bus(app, clock)


@pytest.fixture
def post_billing(client: httpx.AsyncClient, bus: Bus) -> Callable[..., Awaitable[dict]]:
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
