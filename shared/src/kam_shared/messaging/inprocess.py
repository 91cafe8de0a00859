"""The embedded bus: one process, topics kept in memory with Kafka's semantics (ordered log, group offsets)."""

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Sequence

from kam_shared.messaging.transport import IncomingRecord, OutgoingRecord, last_offsets


class InProcessTransport:
    durable = False

    def __init__(self) -> None:
        self._logs: dict[str, list[IncomingRecord]] = defaultdict(list)
        self._committed: dict[tuple[str, str], int] = {}
        self._changed = asyncio.Condition()

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def ping(self) -> bool:
        return True

    async def ensure_topics(self, topics: Iterable[str]) -> None:
        for topic in topics:
            self._logs.setdefault(topic, [])

    async def send(self, records: Sequence[OutgoingRecord]) -> int:
        for record in records:
            log = self._logs[record.topic]
            log.append(
                IncomingRecord(
                    topic=record.topic,
                    partition=0,
                    offset=len(log),
                    key=record.key,
                    value=record.value,
                    headers=record.headers,
                )
            )
        async with self._changed:
            self._changed.notify_all()
        return len(records)

    def subscriber(self, group: str, topics: Sequence[str]) -> "InProcessSubscriber":
        return InProcessSubscriber(self, group, tuple(topics))

    def records(self, topic: str) -> list[IncomingRecord]:
        return list(self._logs.get(topic, ()))

    def committed(self, group: str, topic: str) -> int:
        return self._committed.get((group, topic), 0)


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
        return sum(len(self._transport._logs.get(topic, ())) - start for topic, start in self._positions.items())

    def _take(self, max_records: int) -> list[IncomingRecord]:
        batch: list[IncomingRecord] = []
        for topic in self._topics:
            if topic in self._paused:
                continue
            log = self._transport._logs.get(topic, [])
            start = self._positions[topic]
            taken = log[start : start + max_records - len(batch)]
            self._positions[topic] = start + len(taken)
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
            key = (self._group, topic)
            self._transport._committed[key] = max(self._transport._committed.get(key, 0), offset)
