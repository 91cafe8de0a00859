"""A miniature service for testing the plumbing: messaging tables plus one tally the handler increments."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from kam_shared.clock import FixedClock
from kam_shared.db import create_engine, session_factory, upsert_adding
from kam_shared.events.catalog import CustomerRegistered, Topics
from kam_shared.events.envelope import Envelope, encode
from kam_shared.messaging.consumer import ConsumerLoop, Handler, HandlerContext, PermanentEventError, Subscription
from kam_shared.messaging.outbox import Outbox, OutboxRelay
from kam_shared.messaging.tables import MessagingTables, define_messaging_tables
from kam_shared.messaging.transport import OutgoingRecord, Transport
from kam_shared.observability import Metrics

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


@dataclass
class Harness:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    tables: MessagingTables
    tally: Table
    clock: FixedClock
    metrics: Metrics
    outbox: Outbox

    def consumer(
        self,
        transport: Transport,
        *,
        topics: Sequence[str] = (Topics.REGISTRY,),
        name: str = "tally",
        handler: Handler | None = None,
        **options: Any,
    ) -> ConsumerLoop:
        tally = self.tally

        async def count(ctx: HandlerContext, envelopes: Sequence[Envelope]) -> None:
            for envelope in envelopes:
                event: CustomerRegistered = envelope.data
                if event.full_name == "reject me":
                    raise PermanentEventError("this customer may not be counted")
                stmt = upsert_adding(tally, ctx.session.get_bind().dialect.name, ["name"], added=["count"])
                await ctx.session.execute(stmt, [{"name": event.customer_id, "count": 1}])

        return ConsumerLoop(
            subscription=Subscription(
                consumer=name, topics=tuple(topics), handlers={CustomerRegistered.TYPE: handler or count}
            ),
            transport=transport,
            sessions=self.sessions,
            tables=self.tables,
            outbox=self.outbox,
            clock=self.clock,
            metrics=self.metrics,
            **({"poll_timeout": 0.2, "max_backoff": 0.2} | options),
        )

    async def counts(self) -> dict[str, int]:
        async with self.sessions() as session:
            return dict((await session.execute(select(self.tally.c.name, self.tally.c.count))).all())


async def pump(relay: OutboxRelay, timeout: float = 10.0) -> int:
    """One relay pass, after waiting out transactions elsewhere in the cluster that hold the rows back."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        sent = await relay.pump_once()
        if sent or not relay.held_back or asyncio.get_running_loop().time() > deadline:
            return sent
        await asyncio.sleep(0.02)


def registered(customer_id: str, full_name: str = "ACME") -> CustomerRegistered:
    return CustomerRegistered(customer_id=customer_id, full_name=full_name, branch="SZ01", registered_at=NOW)


def record_of(event: CustomerRegistered, *, event_id: str | None = None, topic: str | None = None) -> OutgoingRecord:
    wire = encode(Envelope.wrap(event, source="/test", time=NOW, id=event_id))
    return OutgoingRecord(topic=topic or event.TOPIC, key=wire.key, value=wire.value, headers=wire.headers)


async def build_harness(url: str) -> Harness:
    metadata = MetaData()
    tables = define_messaging_tables(metadata)
    tally = Table(
        "tally", metadata, Column("name", String(100), primary_key=True), Column("count", Integer, nullable=False)
    )
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    clock = FixedClock(NOW)
    return Harness(
        engine=engine,
        sessions=session_factory(engine),
        tables=tables,
        tally=tally,
        clock=clock,
        metrics=Metrics("test"),
        outbox=Outbox(tables.outbox, source="/test", clock=clock),
    )


@pytest.fixture
async def harness(database_url) -> AsyncIterator[Harness]:
    built = await build_harness(await database_url("plumbing"))
    yield built
    await built.engine.dispose()
