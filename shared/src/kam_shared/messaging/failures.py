"""How the consumer loop classifies a failure (permanent, a constraint violation to watch, or transient), and
what a transient one leaves behind: a partition held at the first record not yet done."""

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from kam_shared.messaging.transport import IncomingRecord

Partition = tuple[str, int]


class PermanentEventError(Exception):
    """Raised by a handler for an event that no retry can make applicable."""


def _sqlstate(exc: BaseException) -> str | None:
    if not isinstance(exc, DBAPIError):
        return None
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return sqlstate if isinstance(sqlstate, str) else None


def is_permanent(exc: BaseException) -> bool:
    """Failures that come out the same however often they are retried.

    Besides a handler's own verdict, the database refusing a value (too long, out of range: SQLSTATE class 22)
    is a property of the event, not of the moment. Constraint violations (class 23) are not always: a concurrent
    consumer inserting the same inbox row is one, and a retry resolves it (see `is_constraint_violation`)."""
    if isinstance(exc, PermanentEventError | DataError | OverflowError):
        return True
    sqlstate = _sqlstate(exc)
    return sqlstate is not None and sqlstate.startswith("22")


def is_constraint_violation(exc: BaseException) -> bool:
    sqlstate = _sqlstate(exc)
    return isinstance(exc, IntegrityError) or (sqlstate is not None and sqlstate.startswith("23"))


def signature(exc: BaseException) -> str:
    """What makes two failures "the same": the kind and the database's own words (constraint and key)."""
    orig = getattr(exc, "orig", None) or exc
    return f"{_sqlstate(exc) or type(orig).__name__}: {str(orig)[:500]}"


class ViolationCounter:
    """Counts, per event, how often in a row it alone failed with the same constraint violation.

    A violation that a retry cures (a concurrent insert of the same inbox row) resets its count by succeeding;
    one the event itself causes repeats, and after `limit` attempts it is no longer worth retrying."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._seen: dict[str, tuple[str, int]] = {}

    def record(self, event_id: str, exc: BaseException) -> bool:
        """Counts this failure; True once the event has failed the same way `limit` times in a row."""
        same = signature(exc)
        previous, count = self._seen.get(event_id, (same, 0))
        count = count + 1 if previous == same else 1
        if count >= self.limit:
            self._seen.pop(event_id, None)
            return True
        self._seen[event_id] = (same, count)
        return False

    def forget(self, event_ids: Iterable[str]) -> None:
        if self._seen:
            for event_id in event_ids:
                self._seen.pop(event_id, None)


def backoff(failures: int, maximum: float) -> float:
    """Exponential from 0.2 s, capped, with jitter so replicas do not retry in step."""
    return min(maximum, 0.1 * 2**failures) * random.uniform(0.5, 1.0)


@dataclass(frozen=True, slots=True)
class Hold:
    """A partition that failed transiently: everything before `offset` is done, `offset` itself is not."""

    offset: int
    error: BaseException


def partition_of(record: IncomingRecord) -> Partition:
    return record.topic, record.partition


def done_before_holds(records: Sequence[IncomingRecord], holds: Mapping[Partition, Hold]) -> list[IncomingRecord]:
    return [
        record for record in records if (hold := holds.get(partition_of(record))) is None or record.offset < hold.offset
    ]
