"""The registry service in-process: its own database (SQLite, or PostgreSQL in CI), the embedded bus, a fixed clock."""

from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from kam_registry.config import RegistrySettings
from kam_registry.main import create_app
from kam_shared.clock import FixedClock
from kam_shared.events.catalog import TierChanged

API_KEY = "test-key"
# Noon in the carrier's time zone (Asia/Shanghai).
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
# Unified social credit codes whose check characters are right.
USCC = "91350100M000100Y43"
OTHER_USCC = "911100007109288314"


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


def tier_changed(customer_id: str, new_tier: str, sequence: int, old_tier: str = "standard") -> TierChanged:
    return TierChanged(
        customer_id=customer_id,
        old_tier=old_tier,
        new_tier=new_tier,
        qualified=new_tier != "standard",
        reasons=[],
        revenue_12m_minor=0,
        currency="CNY",
        policy_id="postal-standard",
        policy_version=1,
        sequence=sequence,
        changed_at=NOW,
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def service_app(database_url, clock: FixedClock) -> FastAPI:
    """The service, not yet started: the root conftest's `app`, `client` and `bus` fixtures run it."""
    url = await database_url("registry")
    return create_app(RegistrySettings(database_url=url, admin_api_key=API_KEY), clock=clock)


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
