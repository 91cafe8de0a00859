"""Closes each month shortly after it ends. Every replica runs the loop; the one holding the lease does the work."""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from kam_shared.messaging.lease import Lease, LocalLease, PostgresAdvisoryLease
from kam_shared.runtime import ServiceRuntime
from kam_tiering.close.runner import CloseRunning, MonthCloser

log = logging.getLogger(__name__)


class CloseScheduler:
    def __init__(
        self, runtime: ServiceRuntime, closer: MonthCloser, *, interval_s: float, delay_minutes: float
    ) -> None:
        self._closer = closer
        self._interval = interval_s
        self._delay = delay_minutes
        engine = runtime.engine
        self._lease: Lease = (
            PostgresAdvisoryLease(engine, "kam-tiering-close-scheduler")
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
                task = asyncio.create_task(self.run(), name="tiering-month-close-scheduler")
                try:
                    yield
                finally:
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)

        return run

    async def run(self) -> None:
        """Looks every interval (the first look one interval after start, so a starting service settles first)."""
        try:
            while True:
                await asyncio.sleep(self._interval)
                try:
                    await self.run_once()
                except asyncio.CancelledError:
                    raise
                except CloseRunning:
                    log.info("month close already running elsewhere; looking again later")
                except Exception:
                    log.exception("scheduled month close failed; it is tried again at the next look")
                    await self.stand_down()
        finally:
            await self.stand_down()

    async def stand_down(self) -> None:
        """Gives the lease up, so another replica takes the scheduling over."""
        await self._lease.release()

    async def run_once(self) -> list[str]:
        """Closes the months that are due, when this replica holds the scheduler's lease; returns them."""
        if not await self._lease.acquire():
            return []
        closed = []
        for month in await self._closer.months_due(delay_minutes=self._delay):
            await self._closer.close(month)
            closed.append(month)
        return closed
