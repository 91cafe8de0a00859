"""The consumer loop: decode, dedupe through the inbox, apply handlers in one transaction, then commit offsets.

Failures are classified. A message that cannot be decoded or validated, or that a handler declares
permanently unusable, goes to `<topic>.dlq` with headers saying why. Anything else is transient: the batch
is retried with backoff and the partition waits, so nothing is skipped."""

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby

from sqlalchemy import insert, select, tuple_
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kam_shared.clock import Clock
from kam_shared.db import transaction
from kam_shared.events.catalog import Event, Topics
from kam_shared.events.envelope import Envelope, PoisonMessage, decode
from kam_shared.messaging.outbox import Outbox
from kam_shared.messaging.tables import LEGACY_SOURCE, MessagingTables
from kam_shared.messaging.transport import IncomingRecord, OutgoingRecord, Transport, TransportError
from kam_shared.observability import Metrics

log = logging.getLogger(__name__)


class PermanentEventError(Exception):
    """Raised by a handler for an event that no retry can make applicable."""


@dataclass(slots=True)
class HandlerContext:
    session: AsyncSession
    outbox: Outbox
    clock: Clock
    consumer: str

    async def emit(self, *events: Event) -> None:
        await self.outbox.add(self.session, events)


Handler = Callable[[HandlerContext, Sequence[Envelope]], Awaitable[None]]


def is_permanent(exc: BaseException) -> bool:
    """Failures that come out the same however often they are retried.

    Besides a handler's own verdict, the database refusing a value (too long, out of range: SQLSTATE class 22)
    is a property of the event, not of the moment. Constraint violations (class 23) are not: a concurrent
    consumer inserting the same inbox row is one, and a retry resolves it."""
    if isinstance(exc, PermanentEventError | DataError | OverflowError):
        return True
    if isinstance(exc, DBAPIError):
        sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return isinstance(sqlstate, str) and sqlstate.startswith("22")
    return False


@dataclass(frozen=True)
class Subscription:
    consumer: str
    topics: tuple[str, ...]
    handlers: Mapping[str, Handler] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Delivery:
    record: IncomingRecord
    envelope: Envelope


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
    ) -> None:
        self.subscription = subscription
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
        self.started = asyncio.Event()

    @property
    def name(self) -> str:
        return self.subscription.consumer

    async def run(self) -> None:
        """Consumes until cancelled. If the subscription itself fails (broker gone, group error), it is rebuilt
        after a pause; uncommitted records then come again and the inbox absorbs them."""
        failures = 0
        while True:
            subscriber = self._transport.subscriber(self.name, self.subscription.topics)
            try:
                await self._retry("start", subscriber.start)
                self.started.set()
                while True:
                    records = await subscriber.poll(max_records=self._max_records, timeout=self._poll_timeout)
                    if records:
                        await self.process(records)
                        await subscriber.commit(records)
                    failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                delay = self._backoff(failures)
                log.error(
                    "consumer failed; restarting it",
                    exc_info=True,
                    extra={"consumer": self.name, "error": repr(exc), "retry_in_s": delay},
                )
                await asyncio.sleep(delay)
            finally:
                await _quietly(subscriber.stop)

    async def process(self, records: Sequence[IncomingRecord]) -> None:
        deliveries: list[Delivery] = []
        for record in records:
            try:
                envelope = decode(record.value, record.headers)
            except PoisonMessage as poison:
                await self._dead_letter(record, poison.reason, poison.detail)
                continue
            if envelope.type in self.subscription.handlers:
                deliveries.append(Delivery(record, envelope))
        if deliveries:
            await self._apply_until_done(deliveries)

    async def _apply_until_done(self, deliveries: Sequence[Delivery]) -> None:
        failures = 0
        while True:
            try:
                await self._apply(deliveries)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_permanent(exc):
                    if len(deliveries) == 1:
                        reason = "handler-rejected" if isinstance(exc, PermanentEventError) else "unstorable-data"
                        await self._dead_letter(deliveries[0].record, reason, str(exc))
                        return
                    # One bad event must not hold back the good ones: apply them one by one to find it.
                    for delivery in deliveries:
                        await self._apply_until_done([delivery])
                    return
                failures += 1
                self._metrics.consumer_retries.labels(self.name).inc()
                delay = self._backoff(failures)
                log.warning(
                    "event batch failed; retrying",
                    exc_info=failures == 1,
                    extra={"consumer": self.name, "events": len(deliveries), "error": repr(exc), "retry_in_s": delay},
                )
                await asyncio.sleep(delay)

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
        headers = record.headers + tuple(
            (name, value.encode())
            for name, value in (
                ("kam_dlq_reason", reason),
                ("kam_dlq_detail", detail[:2000]),
                ("kam_dlq_consumer", self.name),
                ("kam_dlq_topic", record.topic),
                ("kam_dlq_partition", str(record.partition)),
                ("kam_dlq_offset", str(record.offset)),
                ("kam_dlq_at", self._clock.now().isoformat()),
            )
        )
        letter = OutgoingRecord(
            topic=Topics.dead_letter(record.topic), key=record.key, value=record.value or b"", headers=headers
        )

        async def send() -> None:
            if await self._transport.send([letter]) != 1:
                raise TransportError("dead letter not acknowledged")

        # The offset is committed only after the dead letter is safely stored: nothing is dropped.
        await self._retry("dead-letter", send)

    async def _retry(self, what: str, operation: Callable[[], Awaitable[None]]) -> None:
        failures = 0
        while True:
            try:
                await operation()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                delay = self._backoff(failures)
                log.warning(
                    f"{what} failed; retrying", extra={"consumer": self.name, "error": repr(exc), "retry_in_s": delay}
                )
                await asyncio.sleep(delay)

    def _backoff(self, failures: int) -> float:
        return min(self._max_backoff, 0.1 * 2**failures) * random.uniform(0.5, 1.0)


async def _quietly(operation: Callable[[], Awaitable[None]]) -> None:
    try:
        await operation()
    except Exception:
        log.debug("ignored a failure while stopping", exc_info=True)
