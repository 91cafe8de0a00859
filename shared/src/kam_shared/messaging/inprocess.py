"""The embedded bus: one process, topics kept in memory with Kafka's semantics (ordered log, group offsets).

Memory stays bounded: a record is dropped once every group known to read its topic has committed past it,
and a topic never keeps more than `retain_at_most` records (the oldest go first, committed or not). Offsets
keep counting across what was dropped, as Kafka's do across retention. A group is known from the moment it is
announced with `expect` (the service runtime does so when it is built, so a consumer that starts a moment
after another never finds its records already dropped) or subscribes."""

import asyncio
import logging
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice

from kam_shared.messaging.transport import IncomingRecord, OutgoingRecord, last_offsets

log = logging.getLogger(__name__)

# About 1.3 KB an event: some 130 MB for a topic whose readers fell that far behind, or that nobody reads.
DEFAULT_RETAIN_AT_MOST = 100_000


@dataclass
class _TopicLog:
    records: deque[IncomingRecord] = field(default_factory=deque)
    base: int = 0  # offset of records[0]; everything below it was dropped

    @property
    def end(self) -> int:
        return self.base + len(self.records)

    def drop_before(self, offset: int) -> None:
        while self.records and self.base < offset:
            self.records.popleft()
            self.base += 1


class InProcessTransport:
    durable = False

    def __init__(self, *, retain_at_most: int = DEFAULT_RETAIN_AT_MOST) -> None:
        if retain_at_most < 1:
            raise ValueError("retain_at_most must be at least 1")
        self._retain_at_most = retain_at_most
        self._logs: dict[str, _TopicLog] = defaultdict(_TopicLog)
        self._committed: dict[tuple[str, str], int] = {}
        self._readers: dict[str, set[str]] = defaultdict(set)
        self._changed = asyncio.Condition()

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def ping(self) -> bool:
        return True

    async def ensure_topics(self, topics: Iterable[str]) -> None:
        for topic in topics:
            self._logs.setdefault(topic, _TopicLog())

    def expect(self, group: str, topics: Iterable[str]) -> None:
        """Announces a group that will read these topics: their records are kept for it until it commits."""
        for topic in topics:
            self._readers[topic].add(group)

    async def send(self, records: Sequence[OutgoingRecord]) -> int:
        touched = set()
        for record in records:
            topic_log = self._logs[record.topic]
            topic_log.records.append(
                IncomingRecord(
                    topic=record.topic,
                    partition=0,
                    offset=topic_log.end,
                    key=record.key,
                    value=record.value,
                    headers=record.headers,
                )
            )
            touched.add(record.topic)
        for topic in touched:
            self._trim(topic)
        async with self._changed:
            self._changed.notify_all()
        return len(records)

    def subscriber(self, group: str, topics: Sequence[str]) -> "InProcessSubscriber":
        self.expect(group, topics)
        return InProcessSubscriber(self, group, tuple(topics))

    def records(self, topic: str) -> list[IncomingRecord]:
        """The records still retained, oldest first."""
        topic_log = self._logs.get(topic)
        return list(topic_log.records) if topic_log else []

    def end_offset(self, topic: str) -> int:
        """The offset the next record of the topic will get: how many it has ever been sent."""
        topic_log = self._logs.get(topic)
        return topic_log.end if topic_log else 0

    def committed(self, group: str, topic: str) -> int:
        return self._committed.get((group, topic), 0)

    def _commit(self, group: str, topic: str, offset: int) -> None:
        key = (group, topic)
        self._committed[key] = max(self._committed.get(key, 0), offset)
        self._trim(topic)

    def _trim(self, topic: str) -> None:
        topic_log = self._logs.get(topic)
        if topic_log is None:
            return
        readers = self._readers.get(topic)
        if readers:
            topic_log.drop_before(min(self.committed(group, topic) for group in readers))
        excess = len(topic_log.records) - self._retain_at_most
        if excess > 0:
            lagging = sorted(group for group in readers or () if self.committed(group, topic) < topic_log.base + excess)
            if lagging:
                log.error(
                    "in-process bus dropped records some consumers had not yet read",
                    extra={"topic": topic, "records": excess, "consumers": lagging},
                )
            topic_log.drop_before(topic_log.base + excess)

    def _take(self, topic: str, position: int, limit: int) -> tuple[list[IncomingRecord], int]:
        """Up to `limit` records from `position`; a position below what is retained moves up to the oldest."""
        topic_log = self._logs.get(topic)
        if topic_log is None or limit <= 0:
            return [], position
        position = max(position, topic_log.base)
        start = position - topic_log.base
        taken = list(islice(topic_log.records, start, start + limit))
        return taken, position + len(taken)


class InProcessSubscriber:
    def __init__(self, transport: InProcessTransport, group: str, topics: tuple[str, ...]) -> None:
        self._transport = transport
        self._group = group
        self._topics = topics
        self._positions: dict[str, int] = {}
        self._paused: set[str] = set()

    async def start(self) -> None:
        self._positions = {topic: self._transport.committed(self._group, topic) for topic in self._topics}

    async def stop(self) -> None:
        self._positions = {}
        self._paused = set()

    def pause(self, topic: str, partition: int, offset: int) -> None:
        # One partition per topic: pausing it pauses the topic.
        self._positions[topic] = offset
        self._paused.add(topic)

    def resume(self, topic: str, partition: int) -> None:
        self._paused.discard(topic)

    def lag(self) -> int | None:
        return sum(self._transport.end_offset(topic) - start for topic, start in self._positions.items())

    def _take(self, max_records: int) -> list[IncomingRecord]:
        batch: list[IncomingRecord] = []
        for topic in self._topics:
            if topic in self._paused:
                continue
            taken, self._positions[topic] = self._transport._take(
                topic, self._positions[topic], max_records - len(batch)
            )
            batch.extend(taken)
            if len(batch) >= max_records:
                break
        return batch

    async def poll(self, *, max_records: int, timeout: float) -> list[IncomingRecord]:
        changed = self._transport._changed
        async with changed:
            # Taking and waiting under the condition's lock: a send between the two cannot be missed.
            batch = self._take(max_records)
            if batch:
                return batch
            try:
                async with asyncio.timeout(timeout):
                    await changed.wait()
            except TimeoutError:
                return []
            return self._take(max_records)

    async def commit(self, records: Sequence[IncomingRecord]) -> None:
        for (topic, _partition), offset in last_offsets(records).items():
            self._transport._commit(self._group, topic, offset)
