"""Acts on the SLA deadlines that have come: warnings, breaches, escalations. Every replica runs the loop; the one
holding the lease does the work (like tiering's month-close scheduler). It takes the tickets by the index on
next_deadline_at, earliest first, a batch per transaction, so a desk back from downtime catches up at once."""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from kam_service_desk.customer import repository as customers
from kam_service_desk.sla.calendar import CalendarNotCovered
from kam_service_desk.ticket import clock as sla_clock
from kam_service_desk.ticket import repository as tickets
from kam_shared.messaging.lease import Lease, LocalLease, PostgresAdvisoryLease
from kam_shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)


class SlaScheduler:
    def __init__(self, runtime: ServiceRuntime, *, interval_s: float, batch_size: int) -> None:
        self._runtime = runtime
        self._interval = interval_s
        self._batch = batch_size
        engine = runtime.engine
        self._lease: Lease = (
            PostgresAdvisoryLease(engine, "kam-service-desk-sla-scheduler")
            if engine.dialect.name == "postgresql"
            else LocalLease()
        )

    def running_beside(
        self, lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]]
    ) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
        """The app's lifespan with this scheduler running while the service runs (after start, before stop)."""

        @asynccontextmanager
        async def run(app: FastAPI) -> AsyncIterator[None]:
            async with lifespan(app):
                task = asyncio.create_task(self.run(), name="service-desk-sla-scheduler")
                try:
                    yield
                finally:
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)

        return run

    async def run(self) -> None:
        try:
            while True:
                try:
                    await self.run_once()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("SLA scheduler step failed; it is tried again at the next look")
                    await self.stand_down()
                await asyncio.sleep(self._interval)
        finally:
            await self.stand_down()

    async def stand_down(self) -> None:
        """Gives the lease up, so another replica takes the scheduling over."""
        await self._lease.release()

    async def run_once(self) -> int:
        """Acts on every deadline up to now when this replica holds the lease; returns how many tickets changed."""
        if not await self._lease.acquire():
            return 0
        done = 0
        while True:
            stuck = 0
            now = self._runtime.clock.now()
            async with self._runtime.sessions() as session, session.begin():
                batch = await tickets.due_for_update(session, now=now, limit=self._batch)
                for ticket in batch:
                    customer = await customers.get_registered(session, ticket.customer_id)
                    try:
                        # One ticket that cannot go on (a calendar refusing a year it lacks) holds up no other.
                        async with session.begin_nested():
                            await sla_clock.advance(
                                session,
                                ticket,
                                now=now,
                                outbox=self._runtime.outbox,
                                branch=customer.branch if customer is not None else None,
                            )
                    except CalendarNotCovered:
                        stuck += 1
                        log.exception("SLA deadlines of ticket %s cannot be computed; it is tried again", ticket.id)
            done += len(batch) - stuck
            if batch:
                self._runtime.relay.wake()
            # A batch that only held tickets still stuck would come back the same: look again next time.
            if len(batch) < self._batch or stuck == len(batch):
                return done
