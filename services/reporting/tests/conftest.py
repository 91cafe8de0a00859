"""The reporting service in-process: its own database (SQLite, or PostgreSQL in CI) and the embedded bus.

Registry and tiering events reach it the way they do in production: encoded records on their topics."""

from datetime import UTC, date, datetime

import pytest
from fastapi import FastAPI

from kam_reporting.config import ReportingSettings
from kam_reporting.main import create_app
from kam_shared.clock import FixedClock
from kam_shared.events.catalog import CustomerRegistered, CustomerUpdated, RevenueUpdated, Tier, TierChanged

API_KEY = "test-key"
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def registered(customer_id: str, *, branch: str = "B100", full_name: str | None = None) -> CustomerRegistered:
    return CustomerRegistered(
        customer_id=customer_id,
        full_name=full_name or f"Customer {customer_id}",
        branch=branch,
        county="Xihu",
        industry="retail",
        registered_at=NOW,
    )


def updated(customer_id: str, *, sequence: int, **profile: object) -> CustomerUpdated:
    """The whole profile after a change: `registered`'s defaults, with the fields given replaced."""
    fields = {"full_name": f"Customer {customer_id}", "branch": "B100", "county": "Xihu", "industry": "retail"}
    fields.update(profile)
    return CustomerUpdated(
        customer_id=customer_id, changed=sorted(profile), sequence=sequence, updated_at=NOW, **fields
    )


def tier_changed(customer_id: str, tier: Tier, *, sequence: int, old: Tier = "standard") -> TierChanged:
    return TierChanged(
        customer_id=customer_id,
        old_tier=old,
        new_tier=tier,
        qualified=tier != "standard",
        reasons=[],
        revenue_12m_minor=0,
        currency="CNY",
        policy_id="postal-standard",
        policy_version=1,
        sequence=sequence,
        changed_at=NOW,
    )


def revenue_updated(
    customer_id: str,
    revenue_12m_minor: int,
    *,
    sequence: int,
    as_of: date = date(2026, 11, 19),
    currency: str = "CNY",
) -> RevenueUpdated:
    return RevenueUpdated(
        customer_id=customer_id,
        month=f"{as_of.year:04d}-{as_of.month:02d}",
        month_amount_minor=0,
        revenue_12m_minor=revenue_12m_minor,
        currency=currency,
        as_of=as_of,
        sequence=sequence,
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def service_app(database_url, clock: FixedClock) -> FastAPI:
    """The service, not yet started: the root conftest's `app`, `client` and `bus` fixtures run it."""
    url = await database_url("reporting")
    return create_app(ReportingSettings(database_url=url, admin_api_key=API_KEY), clock=clock)
