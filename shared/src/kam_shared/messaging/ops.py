"""Operations on the outbox and the inbox for when a broker lost what it had acknowledged.

- `replay_outbox`: the rows a service sent since a time are marked unsent, so its relay publishes them again
  (in id order, after every transaction that may still write before them has ended). Consumers' inboxes absorb
  what they already had.
- `reconcile`: run on a consuming service against a producer's database, lists the events in the producer's outbox
  that this service handles and has not recorded in its inbox."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from kam_shared.messaging.consumer import Subscription
from kam_shared.messaging.tables import LEGACY_SOURCE, MessagingTables

BATCH = 1000
MISSING_LISTED = 50


async def replay_outbox(engine: AsyncEngine, tables: MessagingTables, *, since: datetime) -> int:
    """Marks the rows created at or after `since` and already sent as unsent; returns how many."""
    outbox = tables.outbox
    async with engine.begin() as conn:
        result = await conn.execute(
            update(outbox)
            .where(outbox.c.created_at >= since, outbox.c.sent_at.is_not(None))
            .values(sent_at=None, attempts=0, last_error=None)
        )
    return result.rowcount or 0


@dataclass
class Reconciliation:
    consumer: str
    checked: int = 0
    missing: int = 0
    # The first MISSING_LISTED missing events: (event_type, event_id).
    listed: list[tuple[str, str]] = field(default_factory=list)


def _source(headers: Sequence[Sequence[str]]) -> str:
    for name, value in headers:
        if name == "ce_source":
            return value
    return LEGACY_SOURCE


async def reconcile(
    consumer_engine: AsyncEngine,
    consumer_tables: MessagingTables,
    subscriptions: Sequence[Subscription],
    producer_engine: AsyncEngine,
    producer_tables: MessagingTables,
    *,
    sent_before: datetime,
    since: datetime | None = None,
) -> list[Reconciliation]:
    """For each subscription: the producer's sent rows (created before `sent_before`, so that what is still in
    flight is not reported) of a type it handles on a topic it reads, and which of them its inbox lacks."""
    outbox, inbox = producer_tables.outbox, consumer_tables.inbox
    results = []
    for subscription in subscriptions:
        found = Reconciliation(consumer=subscription.consumer)
        conditions = [
            outbox.c.sent_at.is_not(None),
            outbox.c.created_at < sent_before,
            outbox.c.topic.in_(subscription.topics),
            outbox.c.event_type.in_(list(subscription.handlers)),
        ]
        if since is not None:
            conditions.append(outbox.c.created_at >= since)
        after = 0
        while True:
            async with producer_engine.connect() as conn:
                rows = (
                    await conn.execute(
                        select(outbox.c.id, outbox.c.event_id, outbox.c.event_type, outbox.c.headers)
                        .where(*conditions, outbox.c.id > after)
                        .order_by(outbox.c.id)
                        .limit(BATCH)
                    )
                ).all()
            if not rows:
                break
            after = rows[-1].id
            async with consumer_engine.connect() as conn:
                recorded = {
                    (row.source, row.event_id)
                    for row in await conn.execute(
                        select(inbox.c.source, inbox.c.event_id).where(
                            inbox.c.consumer == subscription.consumer,
                            inbox.c.event_id.in_([row.event_id for row in rows]),
                        )
                    )
                }
            for row in rows:
                found.checked += 1
                source = _source(row.headers)
                if (source, row.event_id) in recorded or (LEGACY_SOURCE, row.event_id) in recorded:
                    continue
                found.missing += 1
                if len(found.listed) < MISSING_LISTED:
                    found.listed.append((row.event_type, row.event_id))
        results.append(found)
    return results
