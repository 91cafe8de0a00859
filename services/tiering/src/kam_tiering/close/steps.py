"""Work that runs at every month close after the tier pass, in the order listed.

Each step is `async (session, *, month, policy, outbox, clock) -> None`, runs in one transaction of its own
that the closer commits, and must be idempotent: a month can be closed again, and each close runs every step
again on the ledger as it stands. Anomalies and RFM scoring are to be listed here."""

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.clock import Clock
from kam_shared.messaging.outbox import Outbox
from kam_tiering.tier.policy import Policy


class CloseStep(Protocol):
    async def __call__(
        self, session: AsyncSession, *, month: str, policy: Policy, outbox: Outbox, clock: Clock
    ) -> None: ...


CLOSE_STEPS: tuple[CloseStep, ...] = ()
