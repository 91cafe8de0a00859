"""The boundary of a month close: it owns the transactions (one per batch of customers, one per step, one to
record the close) as the consumer loop owns one per batch of messages.

A close of 100,000 customers in one transaction would hold 100,000 per-customer locks and block billing for
its whole length; in batches, billing waits at most for one batch. A close that stops half way leaves no
record, and the scheduler (or the next request) closes the month again: every part is idempotent."""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import asdict
from datetime import timedelta

from kam_shared.clock import BUSINESS_TZ, Clock, add_months, business_today, month_key
from kam_shared.db import transaction
from kam_shared.errors import Conflict, InvalidInput
from kam_shared.events.catalog import FIRST_BUSINESS_YEAR, LAST_BUSINESS_YEAR
from kam_shared.messaging.lease import Lease, LocalLease, PostgresAdvisoryLease
from kam_shared.runtime import ServiceRuntime
from kam_tiering.close import repository
from kam_tiering.close.service import PassTotals, county_ranks_at, tier_pass
from kam_tiering.close.steps import CLOSE_STEPS, CloseStep
from kam_tiering.tier.policy import Policy

log = logging.getLogger(__name__)

FIRST_MONTH = f"{FIRST_BUSINESS_YEAR:04d}-01"
LAST_MONTH = f"{LAST_BUSINESS_YEAR:04d}-12"


class CloseRunning(Conflict):
    """Another close of this service is running (on this replica or another)."""


class MonthNotEnded(Conflict):
    """Only a month that has ended in the carrier's time zone can be closed."""


class MonthCloser:
    def __init__(
        self,
        runtime: ServiceRuntime,
        policy: Policy,
        *,
        batch_size: int = 1000,
        steps: Sequence[CloseStep] = CLOSE_STEPS,
    ) -> None:
        self._runtime = runtime
        self._policy = policy
        self._batch_size = batch_size
        self._steps = tuple(steps)
        self._local = asyncio.Lock()

    @property
    def clock(self) -> Clock:
        return self._runtime.clock

    def _lease(self) -> Lease:
        # Session-level, taken without waiting: a second close, here or on another replica, is refused.
        engine = self._runtime.engine
        if engine.dialect.name == "postgresql":
            return PostgresAdvisoryLease(engine, "kam-tiering-month-close")
        return LocalLease()

    def check_ended(self, month: str) -> None:
        if not FIRST_MONTH <= month <= LAST_MONTH:
            raise InvalidInput(f"the ledger keeps the months {FIRST_MONTH} to {LAST_MONTH}", field="month")
        current = month_key(business_today(self.clock))
        if month >= current:
            raise MonthNotEnded(f"{month} has not ended yet in Asia/Shanghai (it is {current})", field="month")

    async def close(self, month: str) -> dict:
        """Closes `month` (again), and returns its record. When later months are closed already, the tier pass
        runs at the latest of them: a tier is decided by the latest close, and this month's late billing is in
        its figures."""
        self.check_ended(month)
        if self._local.locked():
            raise CloseRunning("a month close is running; try again when it has finished")
        async with self._local:
            lease = self._lease()
            if not await lease.acquire():
                raise CloseRunning("a month close is running on another replica; try again when it has finished")
            try:
                return await self._close(month)
            finally:
                await lease.release()

    async def _close(self, month: str) -> dict:
        sessions, outbox, policy = self._runtime.sessions, self._runtime.outbox, self._policy
        async with transaction(sessions) as session:
            latest = await repository.latest_closed_month(session)
            base = max(month, latest) if latest else month
            ranks = await county_ranks_at(session, base)
        totals = PassTotals()
        after: str | None = None
        while True:
            async with transaction(sessions) as session:
                customers = await repository.customer_batch(session, after=after, size=self._batch_size)
                await tier_pass(
                    session,
                    customers=customers,
                    month=base,
                    ranks=ranks,
                    policy=policy,
                    outbox=outbox,
                    clock=self.clock,
                    totals=totals,
                )
            self._runtime.relay.wake()
            if len(customers) < self._batch_size:
                break
            after = customers[-1]
        for step in self._steps:
            async with transaction(sessions) as session:
                await step(session, month=month, policy=policy, outbox=outbox, clock=self.clock)
            self._runtime.relay.wake()
        now = self.clock.now()
        async with transaction(sessions) as session:
            await repository.record_close(
                session,
                {
                    "month": month,
                    "first_closed_at": now,
                    "closed_at": now,
                    "policy_id": policy.id,
                    "policy_version": policy.version,
                    **asdict(totals),
                },
            )
            record = await repository.get_close(session, month)
        log.info("month closed", extra={"month": month, "tier_pass_at": base, **asdict(totals)})
        return record or {}

    async def months_due(self, *, delay_minutes: float, catch_up: int = 12) -> list[str]:
        """Ended months not closed yet, oldest first: after the latest close (at most `catch_up` of them), or the
        previous month when nothing was ever closed; a month only once it ended `delay_minutes` ago."""
        local_now = self.clock.now().astimezone(BUSINESS_TZ)
        settled = month_key((local_now - timedelta(minutes=delay_minutes)).date())
        last_ended = add_months(settled, -1)
        async with transaction(self._runtime.sessions) as session:
            latest = await repository.latest_closed_month(session)
        first = add_months(latest, 1) if latest else last_ended
        first = max(first, add_months(last_ended, -(catch_up - 1)))
        months = []
        month = first
        while month <= last_ended:
            months.append(month)
            month = add_months(month, 1)
        return months
