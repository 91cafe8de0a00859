"""Retention of the messaging tables: sent outbox rows and old inbox entries are deleted after a while.

The inbox must remember an event for longer than it can be redelivered (an offset left uncommitted, a relay
resending after a crash); weeks are far beyond that, and keep the table from growing without end."""

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from kam_shared.clock import Clock
from kam_shared.messaging.tables import MessagingTables

log = logging.getLogger(__name__)


class Housekeeper:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        tables: MessagingTables,
        clock: Clock,
        outbox_retention: timedelta,
        inbox_retention: timedelta,
        interval: timedelta = timedelta(minutes=10),
    ) -> None:
        self._engine = engine
        self._tables = tables
        self._clock = clock
        self._outbox_retention = outbox_retention
        self._inbox_retention = inbox_retention
        self._interval = interval

    async def run(self) -> None:
        while True:
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("housekeeping failed; will try again", exc_info=True)
            await asyncio.sleep(self._interval.total_seconds())

    async def sweep(self) -> tuple[int, int]:
        """Deletes what is past retention; returns (outbox rows, inbox rows) deleted."""
        now = self._clock.now()
        outbox, inbox = self._tables.outbox, self._tables.inbox
        async with self._engine.begin() as conn:
            sent = await conn.execute(
                delete(outbox).where(outbox.c.sent_at.is_not(None), outbox.c.sent_at < now - self._outbox_retention)
            )
            seen = await conn.execute(delete(inbox).where(inbox.c.processed_at < now - self._inbox_retention))
        if sent.rowcount or seen.rowcount:
            log.info("messaging tables swept", extra={"outbox_rows": sent.rowcount, "inbox_rows": seen.rowcount})
        return sent.rowcount, seen.rowcount
