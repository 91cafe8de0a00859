from datetime import UTC, datetime

import pytest
from fastapi import FastAPI

from kam_service_desk.config import ServiceDeskSettings
from kam_service_desk.main import create_app
from kam_shared.clock import FixedClock
from kam_shared.events.catalog import (
    CustomerRegistered,
    CustomerUpdated,
    ManagerAssigned,
    StaffRegistered,
    StaffUpdated,
    Tier,
    TierChanged,
    TierReason,
)

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

    @staticmethod
    def staff(staff_id: str, *, level: int, org_unit: str = "HQ", name: str = "Li Wei") -> StaffRegistered:
        return StaffRegistered(staff_id=staff_id, name=name, org_unit=org_unit, level=level, registered_at=T0)

    @staticmethod
    def staff_updated(
        staff_id: str, *, level: int, sequence: int, active: bool = True, org_unit: str = "HQ", name: str = "Li Wei"
    ) -> StaffUpdated:
        return StaffUpdated(
            staff_id=staff_id,
            name=name,
            org_unit=org_unit,
            level=level,
            active=active,
            changed=["level"],
            sequence=sequence,
            updated_at=T0,
        )

    @staticmethod
    def managers(customer_id: str, *, a: str | None, b: str | None = None) -> ManagerAssigned:
        return ManagerAssigned(customer_id=customer_id, a=a, b=b, assigned_at=T0)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
async def service_app(database_url, clock: FixedClock) -> FastAPI:
    """The service, not yet started: the root conftest's `app`, `client` and `bus` fixtures run it."""
    # The SLA scheduler does not run by itself here: tests move the clock and take its steps (`sla_step`).
    settings = ServiceDeskSettings(
        database_url=await database_url("service-desk"),
        admin_api_key=API_KEY,
        customer_wait_s=CUSTOMER_WAIT_S,
        sla_automatic=False,
    )
    return create_app(settings, clock=clock)


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def sessions(app: FastAPI):
    return app.state.runtime.sessions


@pytest.fixture
def sla_step(app: FastAPI):
    """One look of the SLA scheduler at the clock's now; returns how many tickets it changed."""
    return app.state.sla_scheduler.run_once


class Desk:
    """Opens tickets and acts on them over HTTP, asserting the status each step is expected to answer."""

    def __init__(self, client) -> None:
        self.client = client

    async def open(self, customer_id: str, ticket_type: str = "complaint", **overrides) -> dict:
        body = {
            "customer_id": customer_id,
            "type": ticket_type,
            "channel": "phone",
            "subject": "Parcels left at the wrong gate",
            "description": "Three parcels this week were left at the loading gate instead of reception.",
        }
        response = await self.client.post("/v1/tickets", json={**body, **overrides})
        assert response.status_code == 201, response.text
        return response.json()

    async def act(self, ticket_id: str, action: str, expect: int = 200, **fields) -> dict:
        response = await self.client.post(f"/v1/tickets/{ticket_id}/actions", json={"action": action, **fields})
        assert response.status_code == expect, response.text
        return response.json()

    async def get(self, ticket_id: str) -> dict:
        response = await self.client.get(f"/v1/tickets/{ticket_id}")
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def desk(client) -> Desk:
    return Desk(client)
