"""Transactional outbox: events are rows written with the state change; a relay publishes them afterwards."""

import asyncio
import logging
import random
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.sql.schema import Table

from kam_shared.clock import Clock
from kam_shared.db import advisory_key
from kam_shared.events.catalog import Event
from kam_shared.events.envelope import Envelope, encode
from kam_shared.messaging.transport import OutgoingRecord, Transport, TransportError
from kam_shared.observability import Metrics

log = logging.getLogger(__name__)


class Outbox:
    def __init__(self, table: Table, *, source: str, clock: Clock) -> None:
        self.table = table
        self.source = source
        self.clock = clock

    def rows(self, events: Sequence[Event]) -> list[dict]:
        now = self.clock.now()
        rows = []
        for event in events:
            envelope = Envelope.wrap(event, source=self.source, time=now)
            wire = encode(envelope)
            rows.append(
                {
                    "event_id": envelope.id,
                    "event_type": envelope.type,
                    "topic": event.TOPIC,
                    "message_key": wire.key,
                    "headers": [[name, value.decode()] for name, value in wire.headers],
                    "payload": wire.value,
                    "created_at": now,
                }
            )
        return rows

    async def add(self, session: AsyncSession, events: Sequence[Event]) -> None:
        if events:
            await session.execute(insert(self.table), self.rows(events))


class Lease(Protocol):
    async def acquire(self) -> bool: ...

    async def release(self) -> None: ...


class LocalLease:
    """For an embedded database only this process can reach."""

    async def acquire(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class PostgresAdvisoryLease:
    """One active relay per service: the holder of a session-level advisory lock publishes, the others stand by."""

    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self._engine = engine
        self._key = advisory_key(name)
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> bool:
        if self._conn is not None:
            try:
                await self._conn.execute(text("SELECT 1"))
                # Never sit "idle in transaction": servers may kill such sessions, and the open snapshot
                # would hold back VACUUM for as long as the lease is held.
                await self._conn.commit()
                return True
            except Exception:
                # The session may be gone, and the lock with it; if not, dropping it is what frees the lock.
                broken, self._conn = self._conn, None
                await _discard(broken)
        conn = await self._engine.connect()
        try:
            held = (await conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key})).scalar()
            await conn.commit()
        except Exception:
            await conn.close()
            raise
        if not held:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def release(self) -> None:
        """Really gives the lease up: unlocks, and a connection that cannot confirm the unlock is discarded.

        Closing an AsyncConnection only returns it to the pool, and a session-level advisory lock lives as
        long as the server session: the pooled connection would keep the lease from every other replica."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            unlocked = (await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})).scalar()
            await conn.commit()
        except asyncio.CancelledError:
            await _discard(conn)
            raise
        except Exception:
            log.warning("unlocking the outbox lease failed; dropping its connection instead", exc_info=True)
            unlocked = False
        if unlocked is not True:
            await _discard(conn)
            return
        try:
            await conn.close()
        except Exception:
            log.debug("returning the lease connection failed", exc_info=True)


async def _discard(conn: AsyncConnection) -> None:
    """Closes the server session itself, and with it every session-level lock it held."""
    try:
        await conn.invalidate()
        await conn.close()
    except Exception:
        log.debug("discarding the lease connection failed", exc_info=True)


class OutboxRelay:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        table: Table,
        transport: Transport,
        clock: Clock,
        metrics: Metrics,
        lease: Lease,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        max_backoff: float = 30.0,
    ) -> None:
        self._engine = engine
        self._table = table
        self._transport = transport
        self._clock = clock
        self._metrics = metrics
        self._lease = lease
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._max_backoff = max_backoff
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        failures = 0
        try:
            while True:
                try:
                    if not await self._lease.acquire():
                        await self._sleep(self._poll_interval * 5)
                        continue
                    sent = await self.pump_once()
                    failures = 0
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    failures += 1
                    self._metrics.outbox_failures.inc()
                    delay = min(self._max_backoff, 0.2 * 2**failures) * random.uniform(0.5, 1.0)
                    log.warning("outbox relay failed; will retry", extra={"error": repr(exc), "retry_in_s": delay})
                    if not isinstance(exc, TransportError):
                        await self._lease.release()
                    await asyncio.sleep(delay)
                    continue
                if sent < self._batch_size:
                    await self._sleep(self._poll_interval)
        finally:
            await self._lease.release()

    async def _sleep(self, seconds: float) -> None:
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that coincides with the
        # event being set, and the relay would then never stop.
        try:
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        except TimeoutError:
            pass
        self._wake.clear()

    async def pump_once(self) -> int:
        """Publishes the oldest unsent rows; marks sent only what the broker acknowledged."""
        table = self._table
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(table.c.id, table.c.topic, table.c.message_key, table.c.headers, table.c.payload)
                    .where(table.c.sent_at.is_(None))
                    .order_by(table.c.id)
                    .limit(self._batch_size)
                )
            ).all()
            await conn.rollback()
        if not rows:
            self._metrics.outbox_pending.set(0)
            return 0
        records = [_record(row) for row in rows]
        try:
            acknowledged = await self._transport.send(records)
        except TransportError as exc:
            await self._note_failure(rows[0].id, repr(exc))
            raise
        ids = [row.id for row in rows[:acknowledged]]
        async with self._engine.begin() as conn:
            await conn.execute(update(table).where(table.c.id.in_(ids)).values(sent_at=self._clock.now()))
        self._metrics.outbox_published.inc(len(ids))
        self._metrics.outbox_pending.set(len(rows) - len(ids))
        if acknowledged < len(rows):
            raise TransportError(f"broker acknowledged {acknowledged} of {len(rows)} records")
        return acknowledged

    async def republish_sent(self) -> int:
        """Sends every retained row that was sent before, oldest first; returns how many.

        For a bus that forgets on restart (the in-process one): what it had delivered but consumers had not yet
        applied would otherwise be lost. Consumers' inboxes make the rows they had applied harmless."""
        table = self._table
        republished, after = 0, 0
        while True:
            async with self._engine.connect() as conn:
                rows = (
                    await conn.execute(
                        select(table.c.id, table.c.topic, table.c.message_key, table.c.headers, table.c.payload)
                        .where(table.c.sent_at.is_not(None), table.c.id > after)
                        .order_by(table.c.id)
                        .limit(self._batch_size)
                    )
                ).all()
                await conn.rollback()
            if not rows:
                return republished
            if await self._transport.send([_record(row) for row in rows]) != len(rows):
                raise TransportError("the bus did not take the republished rows")
            republished += len(rows)
            after = rows[-1].id

    async def _note_failure(self, row_id: int, error: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(self._table)
                .where(self._table.c.id == row_id)
                .values(attempts=self._table.c.attempts + 1, last_error=error[:2000])
            )

    async def pending(self) -> int:
        async with self._engine.connect() as conn:
            count = (
                await conn.execute(select(func.count()).select_from(self._table).where(self._table.c.sent_at.is_(None)))
            ).scalar_one()
            await conn.rollback()
        return count


def _record(row) -> OutgoingRecord:
    return OutgoingRecord(
        topic=row.topic,
        key=row.message_key,
        value=row.payload,
        headers=tuple((name, value.encode()) for name, value in row.headers),
    )
