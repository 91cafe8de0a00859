"""The registry service in-process: its own database (SQLite, or PostgreSQL in CI), the embedded bus, a fixed clock."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import httpx
import pytest
from fastapi import FastAPI

from kam_registry.config import RegistrySettings
from kam_registry.main import create_app
from kam_shared.clock import FixedClock
from kam_shared.events.catalog import Topics
from kam_shared.events.envelope import Envelope, decode

API_KEY = "test-key"
# Noon in the carrier's time zone (Asia/Shanghai).
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
# Unified social credit codes whose check characters are right.
USCC = "91350100M000100Y43"
OTHER_USCC = "911100007109288314"

T = TypeVar("T")


def customer_in(**overrides) -> dict:
    body = {
        "full_name": "Xiamen Harbour Logistics Co., Ltd.",
        "short_name": "Harbour Logistics",
        "uscc": USCC,
        "industry": "manufacturing",
        "branch": "XM01",
        "county": "Siming",
        "address": "1 Harbour Road, Xiamen",
        "postcode": "361000",
        "contacts": [{"name": "Li Wei", "role": "logistics manager", "phone": "0592-5550100"}],
    }
    return {**body, **overrides}


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


async def published(app: FastAPI, event_type: str | None = None) -> list[Envelope]:
    """The events the registry has put on its topic, once its outbox is empty."""
    runtime = app.state.runtime
    await until(lambda: _outbox_empty(app), what="outbox relayed")
    envelopes = [decode(record.value, record.headers) for record in runtime.transport.records(Topics.REGISTRY)]
    return [envelope for envelope in envelopes if event_type is None or envelope.type == event_type]


async def _outbox_empty(app: FastAPI) -> bool:
    return await app.state.runtime.relay.pending() == 0


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def app(database_url, clock: FixedClock) -> AsyncIterator[FastAPI]:
    url = await database_url("registry")
    app = create_app(RegistrySettings(database_url=url, admin_api_key=API_KEY), clock=clock)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers={"X-API-Key": API_KEY}
    ) as client:
        yield client


@pytest.fixture
async def customer_id(client: httpx.AsyncClient) -> str:
    response = await client.post("/v1/customers", json=customer_in())
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.fixture
async def other_customer_id(client: httpx.AsyncClient) -> str:
    response = await client.post(
        "/v1/customers", json=customer_in(full_name="Fuzhou Tea Export Co., Ltd.", uscc=OTHER_USCC, branch="FZ01")
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]
