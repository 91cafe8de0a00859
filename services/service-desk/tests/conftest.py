from datetime import UTC, datetime

import pytest
from fastapi import FastAPI

from kam_service_desk.config import ServiceDeskSettings
from kam_service_desk.main import create_app
from kam_shared.clock import FixedClock
from kam_shared.events.catalog import CustomerRegistered, CustomerUpdated, Tier, TierChanged, TierReason

API_KEY = "test-key"
# A Monday morning in the carrier's time zone (10:00 Asia/Shanghai).
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
# Shorter than the default, so the tests of a customer that never arrives do not sit out two seconds.
CUSTOMER_WAIT_S = 0.3


class Events:
    """Builds the upstream events the service desk consumes, with defaults for what a test does not care about."""

    @staticmethod
    def registered(
        customer_id: str, *, full_name: str = "Harbour Logistics Co., Ltd.", branch: str = "BR01"
    ) -> CustomerRegistered:
        return CustomerRegistered(customer_id=customer_id, full_name=full_name, branch=branch, registered_at=T0)

    @staticmethod
    def updated(customer_id: str, *, full_name: str, branch: str, sequence: int) -> CustomerUpdated:
        return CustomerUpdated(
            customer_id=customer_id,
            full_name=full_name,
            branch=branch,
            changed=["full_name", "branch"],
            sequence=sequence,
            updated_at=T0,
        )

    @staticmethod
    def tier_changed(customer_id: str, *, old: Tier, new: Tier, sequence: int) -> TierChanged:
        return TierChanged(
            customer_id=customer_id,
            old_tier=old,
            new_tier=new,
            qualified=new != "standard",
            reasons=[TierReason(rule="revenue-12m", detail="trailing revenue crossed a bound")],
            revenue_12m_minor=0,
            currency="CNY",
            policy_id="postal-standard",
            policy_version=1,
            sequence=sequence,
            changed_at=T0,
        )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
async def service_app(database_url, clock: FixedClock) -> FastAPI:
    """The service, not yet started: the root conftest's `app`, `client` and `bus` fixtures run it."""
    settings = ServiceDeskSettings(
        database_url=await database_url("service-desk"), admin_api_key=API_KEY, customer_wait_s=CUSTOMER_WAIT_S
    )
    return create_app(settings, clock=clock)


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def sessions(app: FastAPI):
    return app.state.runtime.sessions
