"""Transactional outbox: events are rows written with the state change; a relay publishes them afterwards."""

import asyncio
import logging
import random
import time
from collections.abc import Sequence
from datetime import UTC, timedelta
from itertools import takewhile

from sqlalchemy import ColumnElement, func, insert, literal, literal_column, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.sql.schema import Table

from kam_shared.clock import Clock
from kam_shared.events.catalog import Event
from kam_shared.events.envelope import Envelope, header_texts
from kam_shared.messaging.lease import Lease, LocalLease, PostgresAdvisoryLease
from kam_shared.messaging.transport import OutgoingRecord, Transport, TransportError
from kam_shared.observability import Metrics

__all__ = ["LocalLease", "Outbox", "OutboxRelay", "PostgresAdvisoryLease"]

log = logging.getLogger(__name__)

# What an in-memory bus gets again after a restart (see republish_sent and docs/messaging.md).
REPUBLISH_WINDOW = timedelta(hours=24)
REPUBLISH_AT_MOST = 50_000

# How long publishing may wait for a running transaction before each warning.
HOLD_BACK_WARNING_S = 60.0


class Outbox:
    def __init__(self, table: Table, *, source: str, clock: Clock) -> None:
        self.table = table
        self.source = source
        self.clock = clock

    def rows(self, events: Sequence[Event]) -> list[dict]:
        now = self.clock.now()
        # What encode() would send, without turning each header into bytes and back: a batch is hundreds of rows.
        time_text = now.astimezone(UTC).isoformat()
        rows = []
        for event in events:
            envelope = Envelope.wrap(event, source=self.source, time=now)
            rows.append(
                {
                    "event_id": envelope.id,
                    "event_type": envelope.type,
                    "topic": event.TOPIC,
                    "message_key": envelope.subject.encode() if envelope.subject is not None else None,
                    "headers": [[name, value] for name, value in header_texts(envelope, time_text)],
                    "payload": event.model_dump_json().encode(),
                    "created_at": now,
                }
            )
        return rows

    async def add(self, session: AsyncSession, events: Sequence[Event]) -> None:
        if not events:
            return
        if session.get_bind().dialect.name != "postgresql":
            # SQLite: BEGIN IMMEDIATE serialises writers, so ids are already commit order.
            await session.execute(insert(self.table), self.rows(events))
            return
        # PostgreSQL (docs/messaging.md): the transaction gets its own id before it takes outbox ids, and the
        # rows are written in a savepoint, whose fresh transaction id (the rows' xmin) comes after those ids.
        # The relay publishes a row once every transaction below its xmin has ended: by then any transaction
        # that took a smaller outbox id has committed or rolled back, so no earlier row can still appear.
        isolation = (
            await session.execute(text("SELECT current_setting('transaction_isolation'), pg_current_xact_id()"))
        ).first()[0]
        if isolation != "read committed":
            raise RuntimeError(f"outbox rows are written at READ COMMITTED, not {isolation.upper()}")
        async with session.begin_nested():
            await session.execute(insert(self.table), self.rows(events))


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
        self._held_since: float | None = None
        self._hold_logged = 0.0
        # When the broker says it lost its state (KafkaTransport.losses), the rows it had taken are sent again.
        self._losses_seen = getattr(transport, "losses", 0)
        self._republish_pending = False

    def wake(self) -> None:
        self._wake.set()

    @property
    def held_back(self) -> bool:
        """Whether the last pump left rows waiting for transactions still running (PostgreSQL only)."""
        return self._held_since is not None

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
                if self._held_since is not None:
                    # Rows wait for transactions that are usually about to end: look again soon, less often
                    # the longer the wait.
                    held_for = time.monotonic() - self._held_since
                    await self._sleep(min(self._poll_interval, max(0.02, held_for / 10)))
                elif sent < self._batch_size:
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
        """Publishes the oldest unsent rows in id order; marks sent only what the broker acknowledged.

        On PostgreSQL it stops at the first row that an earlier, still uncommitted row may yet precede."""
        if self._republish_pending:
            republished = await self.republish_sent()  # raises, and stays pending, if the bus does not take them
            self._republish_pending = False
            self._note_losses()  # lost again meanwhile: once more
            log.warning("outbox published again: the broker had lost its state", extra={"rows": republished})
        table = self._table
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(
                        table.c.id,
                        table.c.topic,
                        table.c.message_key,
                        table.c.headers,
                        table.c.payload,
                        _settled(table, conn.dialect.name),
                    )
                    .where(table.c.sent_at.is_(None))
                    .order_by(table.c.id)
                    .limit(self._batch_size)
                )
            ).all()
            await conn.rollback()
        ready = list(takewhile(lambda row: row.settled, rows))
        self._note_hold_back(rows[len(ready)].id if len(ready) < len(rows) else None)
        if not ready:
            if rows:
                await self._count_pending()
            else:
                self._metrics.outbox_pending.set(0)
            return 0
        try:
            acknowledged = await self._transport.send([_record(row) for row in ready])
        except TransportError as exc:
            await self._note_failure(ready[0].id, repr(exc))
            await self._count_pending()
            raise
        finally:
            self._note_losses()
        ids = [row.id for row in ready[:acknowledged]]
        if ids:
            async with self._engine.begin() as conn:
                await conn.execute(update(table).where(table.c.id.in_(ids)).values(sent_at=self._clock.now()))
        self._metrics.outbox_published.inc(len(ids))
        await self._count_pending()
        if acknowledged < len(ready):
            raise TransportError(f"broker acknowledged {acknowledged} of {len(ready)} records")
        return acknowledged

    def _note_losses(self) -> None:
        # What the broker acknowledged but had not delivered went with its state: consumers' inboxes make the
        # rows they had applied harmless (the window is republish_sent's).
        losses = getattr(self._transport, "losses", 0)
        if losses != self._losses_seen:
            self._losses_seen = losses
            self._republish_pending = True

    def _note_hold_back(self, first_held: int | None) -> None:
        """Logs when publishing has waited long for a transaction still running somewhere in the cluster."""
        if first_held is None:
            self._held_since = None
            return
        now = time.monotonic()
        if self._held_since is None:
            self._held_since, self._hold_logged = now, now
        elif now - self._hold_logged >= HOLD_BACK_WARNING_S:
            self._hold_logged = now
            log.warning(
                "outbox publishing held back: a transaction that may still write an earlier row is running",
                extra={"outbox_id": first_held, "held_for_s": round(now - self._held_since)},
            )

    async def _count_pending(self) -> None:
        """Sets kam_outbox_pending to the true number of unsent rows (the partial index makes this cheap)."""
        try:
            self._metrics.outbox_pending.set(await self.pending())
        except Exception:
            log.debug("counting the unsent outbox rows failed", exc_info=True)

    async def republish_sent(self, *, window: timedelta = REPUBLISH_WINDOW, at_most: int = REPUBLISH_AT_MOST) -> int:
        """Sends again the rows sent within `window`, at most the latest `at_most`, oldest first; returns how many.

        For a bus that forgets on restart (the in-process one): what it had delivered but consumers had not yet
        applied would otherwise be lost. Consumers' inboxes make the rows they had applied harmless. A consumer
        that had not applied an event within the window (it kept failing for that long) does not get it again."""
        table = self._table
        recent = table.c.sent_at >= self._clock.now() - window
        latest = select(table.c.id).where(recent).order_by(table.c.id.desc()).limit(at_most).subquery()
        async with self._engine.connect() as conn:
            first = (await conn.execute(select(func.min(latest.c.id)))).scalar()
            await conn.rollback()
        if first is None:
            return 0
        republished, after = 0, first - 1
        while True:
            async with self._engine.connect() as conn:
                rows = (
                    await conn.execute(
                        select(table.c.id, table.c.topic, table.c.message_key, table.c.headers, table.c.payload)
                        .where(recent, table.c.id > after)
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


def _settled(table: Table, dialect: str) -> ColumnElement[bool]:
    """Whether every transaction that could still add an earlier row has ended (always so on SQLite).

    On PostgreSQL: the row's xmin (the savepoint's transaction id, see Outbox.add) is at or below the oldest
    transaction still running. Both are 32-bit here, so they are compared modulo 2^32 as PostgreSQL does."""
    if dialect != "postgresql":
        return literal(True).label("settled")
    return literal_column(
        "((pg_snapshot_xmin(pg_current_snapshot())::text::bigint - xmin::text::bigint)"
        " % 4294967296 + 4294967296) % 4294967296 < 2147483648"
    ).label("settled")


def _record(row) -> OutgoingRecord:
    return OutgoingRecord(
        topic=row.topic,
        key=row.message_key,
        value=row.payload,
        headers=tuple((name, value.encode()) for name, value in row.headers),
    )
