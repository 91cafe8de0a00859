"""One relay per service publishes; when it lets go of the lease, another replica (its own pool) takes over."""

import asyncio
from collections.abc import Sequence

import pytest
from sqlalchemy import text

from kam_shared.db import create_engine
from kam_shared.events.catalog import Topics
from kam_shared.messaging.inprocess import InProcessTransport
from kam_shared.messaging.lease import PostgresAdvisoryLease
from kam_shared.messaging.outbox import OutboxRelay
from kam_shared.messaging.transport import OutgoingRecord
from kam_shared.testing import eventually

from .conftest import registered  # noqa: TID252

LEASE = "kam-outbox-test"


@pytest.fixture
def on_postgresql(harness):
    if harness.engine.dialect.name != "postgresql":
        pytest.skip("the advisory lease is PostgreSQL's; SQLite is one process's own")


@pytest.fixture
async def other_replica(harness, on_postgresql):
    """A second replica of the service: the same database through a pool of its own."""
    engine = create_engine(harness.engine.url.render_as_string(hide_password=False))
    yield engine
    await engine.dispose()


class BrokenTransport(InProcessTransport):
    """A relay bug rather than a broker outage: every send fails with an error that is not a TransportError."""

    def __init__(self) -> None:
        super().__init__()
        self.attempts = 0

    async def send(self, records: Sequence[OutgoingRecord]) -> int:
        self.attempts += 1
        raise RuntimeError("a bug in the relay")


async def advisory_locks_held(engine) -> int:
    async with engine.connect() as conn:
        held = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        )
        await conn.rollback()
    return held


async def test_only_one_relay_of_a_service_holds_the_lease(harness, other_replica):
    first = PostgresAdvisoryLease(harness.engine, LEASE)
    second = PostgresAdvisoryLease(other_replica, LEASE)
    other_service = PostgresAdvisoryLease(other_replica, "kam-outbox-other")
    try:
        assert await first.acquire() is True
        assert await first.acquire() is True
        async with harness.engine.connect() as conn:
            idle_in_transaction = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND state = 'idle in transaction'"
                )
            )
            await conn.rollback()
        assert idle_in_transaction == 0
        assert await second.acquire() is False
        assert await other_service.acquire() is True
    finally:
        for lease in (first, second, other_service):
            await lease.release()


async def test_a_released_lease_is_unlocked_and_another_replica_takes_it(harness, other_replica):
    replica_a = PostgresAdvisoryLease(harness.engine, LEASE)
    replica_b = PostgresAdvisoryLease(other_replica, LEASE)
    try:
        assert await replica_a.acquire() is True
        await replica_a.release()

        assert await advisory_locks_held(other_replica) == 0
        assert await replica_b.acquire() is True
        # A's pool still has its old connection; taking it again must not bring the lease back to A.
        assert await replica_a.acquire() is False
    finally:
        await replica_a.release()
        await replica_b.release()


async def test_a_lease_whose_connection_broke_is_released_by_dropping_the_connection(harness, other_replica):
    replica_a = PostgresAdvisoryLease(harness.engine, LEASE)
    replica_b = PostgresAdvisoryLease(other_replica, LEASE)
    try:
        assert await replica_a.acquire() is True
        async with other_replica.connect() as conn:
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks"
                    " WHERE locktype = 'advisory' AND pid <> pg_backend_pid()"
                    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            )
            await conn.commit()
        await eventually(lambda: replica_b.acquire(), what="the lease free again")
        await replica_b.release()

        # A notices its session is gone and competes again with a fresh connection.
        assert await replica_a.acquire() is True
        assert await replica_b.acquire() is False
    finally:
        await replica_a.release()
        await replica_b.release()


async def test_a_relay_failing_with_a_bug_hands_the_lease_to_another_replica(harness, other_replica):
    async with harness.sessions() as session, session.begin():
        await harness.outbox.add(session, [registered("c-1"), registered("c-2")])
    broken, healthy = BrokenTransport(), InProcessTransport()

    def relay(engine, transport, max_backoff: float) -> OutboxRelay:
        return OutboxRelay(
            engine=engine,
            table=harness.tables.outbox,
            transport=transport,
            clock=harness.clock,
            metrics=harness.metrics,
            lease=PostgresAdvisoryLease(engine, LEASE),
            poll_interval=0.01,
            max_backoff=max_backoff,
        )

    relay_a = asyncio.create_task(relay(harness.engine, broken, max_backoff=1.0).run())
    try:
        await eventually(lambda: broken.attempts >= 1, what="replica A holding the lease and failing")
        relay_b = asyncio.create_task(relay(other_replica, healthy, max_backoff=0.1).run())
        try:
            await eventually(lambda: len(healthy.records(Topics.REGISTRY)) == 2, what="replica B publishing")
        finally:
            relay_b.cancel()
            await asyncio.gather(relay_b, return_exceptions=True)
    finally:
        relay_a.cancel()
        await asyncio.gather(relay_a, return_exceptions=True)
    assert [record.key for record in healthy.records(Topics.REGISTRY)] == [b"c-1", b"c-2"]
