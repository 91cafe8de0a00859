"""The consumer loop: decode, dedupe through the inbox, apply handlers in one transaction, then commit offsets.

Failures are classified (`failures.py`). A message that cannot be decoded or validated, or that a handler
declares permanently unusable, goes to `<topic>.dlq` with headers saying why; so does an event that alone
violates the same constraint again and again. Anything else is transient: the partition it came from is
paused and rewound to it, and retried after a backoff, while the consumer's other partitions keep flowing.
Types the subscription does not handle are passed over without looking at their data (docs/events.md)."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby

from sqlalchemy import insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kam_shared.clock import Clock
from kam_shared.db import transaction
from kam_shared.events.catalog import Event
from kam_shared.events.envelope import Envelope, PoisonMessage, decode, event_type_of
from kam_shared.messaging.dead_letter import dead_letter_of
from kam_shared.messaging.failures import (
    Hold,
    Partition,
    PermanentEventError,
    ViolationCounter,
    backoff,
    done_before_holds,
    is_constraint_violation,
    is_permanent,
    partition_of,
)
from kam_shared.messaging.outbox import Outbox
from kam_shared.messaging.tables import LEGACY_SOURCE, MessagingTables
from kam_shared.messaging.transport import IncomingRecord, Subscriber, Transport, TransportError
from kam_shared.observability import Metrics

__all__ = [
    "ConsumerLoop",
    "Delivery",
    "Handler",
    "HandlerContext",
    "PermanentEventError",
    "Subscription",
    "is_permanent",
]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class HandlerContext:
    session: AsyncSession
    outbox: Outbox
    clock: Clock
    consumer: str

    async def emit(self, *events: Event) -> None:
        await self.outbox.add(self.session, events)


Handler = Callable[[HandlerContext, Sequence[Envelope]], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    consumer: str
    topics: tuple[str, ...]
    handlers: Mapping[str, Handler] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Delivery:
    record: IncomingRecord
    envelope: Envelope

    @property
    def partition(self) -> Partition:
        return self.record.topic, self.record.partition


class ConsumerLoop:
    def __init__(
        self,
        *,
        subscription: Subscription,
        transport: Transport,
        sessions: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        outbox: Outbox,
        clock: Clock,
        metrics: Metrics,
        on_commit: Callable[[], None] = lambda: None,
        max_records: int = 500,
        poll_timeout: float = 1.0,
        max_backoff: float = 30.0,
        constraint_retries: int = 5,
        commit_timeout: float = 10.0,
        stall_after: float = 60.0,
        group_suffix: str = "",
        max_message_bytes: int = 1024 * 1024,
    ) -> None:
        self.subscription = subscription
        # The bus's consumer group: the consumer's name, and a suffix when a read model is rebuilt from the start.
        self.group = subscription.consumer + group_suffix
        self._max_message_bytes = max_message_bytes
        self._transport = transport
        self._sessions = sessions
        self._inbox = tables.inbox
        self._outbox = outbox
        self._clock = clock
        self._metrics = metrics
        self._on_commit = on_commit
        self._max_records = max_records
        self._poll_timeout = poll_timeout
        self._max_backoff = max_backoff
        self._commit_timeout = commit_timeout
        self._stall_after = stall_after
        self._violations = ViolationCounter(constraint_retries)
        # Dead-lettered records whose offsets are not committed yet: a rewound partition must not letter them twice.
        self._lettered: set[tuple[str, int, int]] = set()
        self._resume_at: dict[Partition, float] = {}
        self._hold_failures: dict[Partition, int] = {}
        self._held_since: dict[Partition, float] = {}
        self._retrying = False
        self.started = asyncio.Event()
        self.last_progress_at = time.monotonic()
        self.lag: int | None = None

    @property
    def name(self) -> str:
        return self.subscription.consumer

    def status(self) -> str:
        """Says "stalled" when there is work (lag, a retry loop) but no progress for a while, or when one
        partition has been failing that long although the others flow."""
        now = time.monotonic()
        busy = self._retrying or bool(self._resume_at) or bool(self.lag)
        stuck = any(now - self._held_since.get(partition, now) > self._stall_after for partition in self._resume_at)
        return "stalled" if stuck or (busy and now - self.last_progress_at > self._stall_after) else "ok"

    def _progressed(self) -> None:
        self.last_progress_at = time.monotonic()

    async def run(self) -> None:
        """Consumes until cancelled. If the subscription itself fails (broker gone, group error, a commit that
        does not return), it is rebuilt after a pause; uncommitted records then come again and the inbox absorbs
        them."""
        failures = 0
        while True:
            subscriber = self._transport.subscriber(self.group, self.subscription.topics)
            self._resume_at.clear()
            self._hold_failures.clear()
            self._held_since.clear()
            try:
                await self._retry("start", subscriber.start)
                self.started.set()
                while True:
                    await self._poll_once(subscriber)
                    failures = 0
                    self._retrying = False
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                self._retrying = True
                delay = backoff(failures, self._max_backoff)
                log.error(
                    "consumer failed; restarting it",
                    exc_info=True,
                    extra={"consumer": self.name, "error": repr(exc), "retry_in_s": delay},
                )
                await asyncio.sleep(delay)
            finally:
                await _quietly(subscriber.stop)

    async def _poll_once(self, subscriber: Subscriber) -> None:
        now = time.monotonic()
        for partition, due in list(self._resume_at.items()):
            if due <= now:
                del self._resume_at[partition]
                subscriber.resume(*partition)
        timeout = self._poll_timeout
        if self._resume_at:
            timeout = max(0.01, min(timeout, min(self._resume_at.values()) - now))
        records = await subscriber.poll(max_records=self._max_records, timeout=timeout)
        if not records:
            self.lag = subscriber.lag()
            if not self._resume_at and not self.lag:
                self._progressed()
            return
        holds = await self._process_once(records)
        now = time.monotonic()
        for partition in {partition_of(record) for record in records} - holds.keys():
            self._hold_failures.pop(partition, None)
            self._held_since.pop(partition, None)
        for partition, hold in holds.items():
            failures = self._hold_failures[partition] = self._hold_failures.get(partition, 0) + 1
            self._held_since.setdefault(partition, now)
            subscriber.pause(*partition, hold.offset)
            self._resume_at[partition] = now + backoff(failures, self._max_backoff)
        self.lag = subscriber.lag()
        done = done_before_holds(records, holds)
        if done:
            try:
                async with asyncio.timeout(self._commit_timeout):
                    await subscriber.commit(done)
            except TimeoutError:
                raise TransportError(f"offset commit did not finish within {self._commit_timeout} s") from None
            self._forget_lettered(done)
            self._progressed()

    async def process(self, records: Sequence[IncomingRecord]) -> None:
        """Applies one polled batch completely, waiting out transient failures (no partition to pause here)."""
        pending, failures = list(records), 0
        while True:
            holds = await self._process_once(pending)
            if not holds:
                break
            failures += 1
            await asyncio.sleep(backoff(failures, self._max_backoff))
            pending = [
                record
                for record in pending
                if (hold := holds.get(partition_of(record))) is not None and record.offset >= hold.offset
            ]
        self._forget_lettered(records)

    async def _process_once(self, records: Sequence[IncomingRecord]) -> dict[Partition, Hold]:
        """Dead-letters, passes over or applies each record; returns the partitions that must be retried."""
        deliveries: list[Delivery] = []
        handlers = self.subscription.handlers
        for record in records:
            if (record.topic, record.partition, record.offset) in self._lettered:
                continue
            declared = event_type_of(record.value, record.headers)
            if declared is not None and declared not in handlers:
                # Not ours: whatever its version or shape, it is not for this consumer to judge.
                self._metrics.events_skipped.labels(self.name, declared[:100]).inc()
                continue
            if len(record.value or b"") > self._max_message_bytes:
                # No event of the suite comes near this size: parsing it would only spend memory on a bad record.
                await self._dead_letter(record, "oversized", f"{len(record.value)} bytes > {self._max_message_bytes}")
                continue
            try:
                envelope = decode(record.value, record.headers)
            except PoisonMessage as poison:
                await self._dead_letter(record, poison.reason, poison.detail)
                continue
            deliveries.append(Delivery(record, envelope))
        return await self._settle(deliveries) if deliveries else {}

    async def _settle(self, deliveries: Sequence[Delivery]) -> dict[Partition, Hold]:
        try:
            await self._apply(deliveries)
            self._violations.forget(delivery.envelope.id for delivery in deliveries)
            return {}
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = exc
        by_partition = [list(run) for _, run in groupby(sorted(deliveries, key=_order), key=lambda d: d.partition)]
        if len(by_partition) > 1:
            # One partition's trouble must not hold back the others: each goes on its own.
            holds: dict[Partition, Hold] = {}
            for run in by_partition:
                holds |= await self._settle(run)
            return holds
        suspect = is_permanent(error) or is_constraint_violation(error)
        if suspect and len(deliveries) > 1:
            # One bad event must not hold back the good ones: apply them one by one to find it.
            for delivery in deliveries:
                holds = await self._settle([delivery])
                if holds:
                    return holds
            return {}
        first = deliveries[0]
        if len(deliveries) == 1 and is_permanent(error):
            reason = "handler-rejected" if isinstance(error, PermanentEventError) else "unstorable-data"
            await self._dead_letter(first.record, reason, str(error))
            return {}
        repeated = len(deliveries) == 1 and is_constraint_violation(error)
        if repeated and self._violations.record(first.envelope.id, error):
            await self._dead_letter(first.record, "constraint-violation", str(error))
            return {}
        self._metrics.consumer_retries.labels(self.name).inc()
        log.warning(
            "event batch failed; its partition waits and retries",
            exc_info=error if first.partition not in self._hold_failures else None,
            extra={
                "consumer": self.name,
                "topic": first.record.topic,
                "partition": first.record.partition,
                "offset": first.record.offset,
                "events": len(deliveries),
                "error": repr(error),
            },
        )
        return {first.partition: Hold(first.record.offset, error)}

    async def _apply(self, deliveries: Sequence[Delivery]) -> None:
        async with transaction(self._sessions) as session:
            fresh = await self._claim(session, deliveries)
            context = HandlerContext(session=session, outbox=self._outbox, clock=self._clock, consumer=self.name)
            # Runs of one type go to their handler together; order across types is kept.
            for event_type, run in groupby(fresh, key=lambda envelope: envelope.type):
                await self.subscription.handlers[event_type](context, list(run))
        self._on_commit()
        for envelope in fresh:
            self._metrics.events_processed.labels(self.name, envelope.type).inc()

    async def _claim(self, session: AsyncSession, deliveries: Sequence[Delivery]) -> list[Envelope]:
        """Records the events in the inbox and returns those this consumer has not applied before.

        An event is known by its CloudEvents source and id together; an entry from before sources were kept
        (LEGACY_SOURCE) still stands for its id, so nothing applied before the change is applied again."""
        unique: dict[tuple[str, str], Envelope] = {}
        for delivery in deliveries:
            unique.setdefault((delivery.envelope.source, delivery.envelope.id), delivery.envelope)
        inbox = self._inbox
        candidates = set(unique) | {(LEGACY_SOURCE, event_id) for _source, event_id in unique}
        result = await session.execute(
            select(inbox.c.source, inbox.c.event_id).where(
                inbox.c.consumer == self.name, tuple_(inbox.c.source, inbox.c.event_id).in_(candidates)
            )
        )
        seen = {(row.source, row.event_id) for row in result}
        fresh = [
            envelope
            for (source, event_id), envelope in unique.items()
            if (source, event_id) not in seen and (LEGACY_SOURCE, event_id) not in seen
        ]
        duplicates = len(deliveries) - len(fresh)
        if duplicates:
            self._metrics.events_duplicate.labels(self.name).inc(duplicates)
        if fresh:
            now = self._clock.now()
            await session.execute(
                insert(inbox),
                [
                    {
                        "consumer": self.name,
                        "source": envelope.source,
                        "event_id": envelope.id,
                        "event_type": envelope.type,
                        "processed_at": now,
                    }
                    for envelope in fresh
                ],
            )
        return fresh

    async def _dead_letter(self, record: IncomingRecord, reason: str, detail: str) -> None:
        letter = dead_letter_of(record, reason=reason, detail=detail, consumer=self.name, clock=self._clock)

        async def send() -> None:
            if await self._transport.send([letter]) != 1:
                raise TransportError("dead letter not acknowledged")

        # The offset is committed only after the dead letter is safely stored: nothing is dropped.
        await self._retry("dead-letter", send)
        self._lettered.add((record.topic, record.partition, record.offset))
        self._metrics.dead_letters.labels(self.name, reason).inc()
        log.error(
            "message sent to the dead-letter topic",
            extra={
                "consumer": self.name,
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "reason": reason,
                "detail": detail[:500],
            },
        )

    def _forget_lettered(self, records: Sequence[IncomingRecord]) -> None:
        if self._lettered:
            self._lettered.difference_update((record.topic, record.partition, record.offset) for record in records)

    async def _retry(self, what: str, operation: Callable[[], Awaitable[None]]) -> None:
        failures = 0
        try:
            while True:
                try:
                    await operation()
                    return
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    failures += 1
                    self._retrying = True
                    delay = backoff(failures, self._max_backoff)
                    log.warning(
                        f"{what} failed; retrying",
                        extra={"consumer": self.name, "error": repr(exc), "retry_in_s": delay},
                    )
                    await asyncio.sleep(delay)
        finally:
            if failures:
                self._retrying = False


def _order(delivery: Delivery) -> Partition:
    return delivery.partition


async def _quietly(operation: Callable[[], Awaitable[None]]) -> None:
    try:
        await operation()
    except Exception:
        log.debug("ignored a failure while stopping", exc_info=True)
