"""The bus port: what the outbox relay and the consumer loop need from a broker, and nothing more."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OutgoingRecord:
    topic: str
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]


@dataclass(frozen=True, slots=True)
class IncomingRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]


class TransportError(Exception):
    """The broker could not be reached or did not acknowledge; trying again later may succeed."""


class Subscriber(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def poll(self, *, max_records: int, timeout: float) -> list[IncomingRecord]:
        """Records in offset order within each partition."""
        ...

    async def commit(self, records: Sequence[IncomingRecord]) -> None:
        """Marks everything up to and including these records as consumed by the group."""
        ...

    def pause(self, topic: str, partition: int, offset: int) -> None:
        """Stops fetching from the partition and rewinds it: once resumed, it delivers again from `offset`.

        Records of the partition that were fetched but not yet returned are dropped; they come again."""
        ...

    def resume(self, topic: str, partition: int) -> None:
        """Fetches from a paused partition again; nothing happens if it is no longer assigned to us."""
        ...

    def lag(self) -> int | None:
        """Records on the assigned partitions not yet returned by poll, as far as known; None if unknown."""
        ...


class Transport(Protocol):
    # Whether what was acknowledged survives a restart of this process (a broker: yes; in memory: no).
    durable: bool

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def ping(self) -> bool: ...

    async def ensure_topics(self, topics: Iterable[str]) -> None: ...

    async def send(self, records: Sequence[OutgoingRecord]) -> int:
        """Sends in order; returns how many leading records the broker acknowledged.

        A return shorter than len(records) means the rest must be sent again later."""
        ...

    def subscriber(self, group: str, topics: Sequence[str]) -> Subscriber: ...


def last_offsets(records: Sequence[IncomingRecord]) -> dict[tuple[str, int], int]:
    """The next offset to consume for every partition the records came from."""
    positions: dict[tuple[str, int], int] = {}
    for record in records:
        key = (record.topic, record.partition)
        positions[key] = max(positions.get(key, -1), record.offset + 1)
    return positions
