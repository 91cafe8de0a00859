import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from kam_service_desk.config import ServiceDeskSettings
from kam_service_desk.main import create_app
from kam_shared.clock import FixedClock
from kam_shared.events.catalog import CustomerRegistered, Event, Tier, TierChanged, TierReason
from kam_shared.events.envelope import Envelope, encode
from kam_shared.messaging.transport import IncomingRecord

API_KEY = "test-key"
# A Monday morning in the carrier's time zone (10:00 Asia/Shanghai).
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


class Events:
    """Builds the upstream events the service desk consumes, with defaults for what a test does not care about."""

    @staticmethod
    def registered(
        customer_id: str, *, full_name: str = "Harbour Logistics Co., Ltd.", branch: str = "BR01"
    ) -> CustomerRegistered:
        return CustomerRegistered(customer_id=customer_id, full_name=full_name, branch=branch, registered_at=T0)

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


@dataclass
class Bus:
    """Hands events to the service's consumer the way the transport would, one batch per call."""

    app: FastAPI
    clock: FixedClock

    def __post_init__(self) -> None:
        self._offsets = itertools.count()

    def wrap(self, event: Event) -> Envelope:
        return Envelope.wrap(event, source="/test", time=self.clock.now())

    async def deliver(self, *items: Event | Envelope) -> list[Envelope]:
        envelopes = [item if isinstance(item, Envelope) else self.wrap(item) for item in items]
        records = []
        for envelope in envelopes:
            wire = encode(envelope)
            records.append(
                IncomingRecord(
                    topic=envelope.data.TOPIC,
                    partition=0,
                    offset=next(self._offsets),
                    key=wire.key,
                    value=wire.value,
                    headers=wire.headers,
                )
            )
        await self.app.state.runtime.consumers[0].process(records)
        return envelopes


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest_asyncio.fixture
async def app(database_url, clock: FixedClock) -> AsyncIterator[FastAPI]:
    settings = ServiceDeskSettings(database_url=await database_url("service-desk"), admin_api_key=API_KEY)
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


@pytest_asyncio.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers={"X-API-Key": API_KEY}
    ) as client:
        yield client


@pytest.fixture
def bus(app: FastAPI, clock: FixedClock) -> Bus:
    return Bus(app, clock)


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def sessions(app: FastAPI):
    return app.state.runtime.sessions
