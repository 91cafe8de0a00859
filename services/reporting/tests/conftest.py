import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import httpx
import pytest
from fastapi import FastAPI

from kam_reporting.config import ReportingSettings
from kam_reporting.main import create_app
from kam_shared.events.catalog import CustomerRegistered, Event, RevenueUpdated, Tier, TierChanged
from kam_shared.events.envelope import Envelope, encode
from kam_shared.messaging.inprocess import InProcessTransport
from kam_shared.messaging.transport import IncomingRecord, OutgoingRecord

API_KEY = "test-key"
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


class Bus:
    """Publishes events as registry and tiering would, then waits until reporting has consumed all of them."""

    def __init__(self, app: FastAPI) -> None:
        runtime = app.state.runtime
        self.transport: InProcessTransport = runtime.transport
        self.consumer = runtime.consumers[0]

    @staticmethod
    def envelope(event: Event) -> Envelope:
        return Envelope.wrap(event, source="/test", time=NOW)

    @staticmethod
    def record(envelope: Envelope) -> OutgoingRecord:
        wire = encode(envelope)
        return OutgoingRecord(envelope.data.TOPIC, wire.key, wire.value, wire.headers)

    def incoming(self, *events: Event) -> list[IncomingRecord]:
        """Records as a poll would return them, for handing one batch straight to the consumer loop."""
        sent = [self.record(self.envelope(event)) for event in events]
        return [
            IncomingRecord(out.topic, partition=0, offset=offset, key=out.key, value=out.value, headers=out.headers)
            for offset, out in enumerate(sent)
        ]

    async def publish(self, *items: Event | Envelope) -> None:
        records = [self.record(item if isinstance(item, Envelope) else self.envelope(item)) for item in items]
        assert await self.transport.send(records) == len(records)
        await self.drained()

    async def drained(self, timeout: float = 5.0) -> None:
        topics = self.consumer.subscription.topics
        async with asyncio.timeout(timeout):
            while any(self.transport.committed(self.consumer.name, t) < len(self.transport.records(t)) for t in topics):
                await asyncio.sleep(0.01)

    @staticmethod
    def registered(customer_id: str, *, branch: str = "B100", full_name: str | None = None) -> CustomerRegistered:
        return CustomerRegistered(
            customer_id=customer_id,
            full_name=full_name or f"Customer {customer_id}",
            branch=branch,
            county="Xihu",
            industry="retail",
            registered_at=NOW,
        )

    @staticmethod
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

    @staticmethod
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
async def app(database_url) -> AsyncIterator[FastAPI]:
    app = create_app(ReportingSettings(database_url=await database_url("reporting"), admin_api_key=API_KEY))
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers={"X-API-Key": API_KEY}
    ) as client:
        yield client


@pytest.fixture
def bus(app: FastAPI) -> Bus:
    return Bus(app)
