"""Work that runs at every month close after the tier pass, in the order listed.

Each step is `async (session, *, month, policy, outbox, clock) -> ...`, runs in one transaction of its own
that the closer commits, and must be idempotent: a month can be closed again, and each close runs every step
again on the ledger as it stands.

- Overrides whose last day has passed end first: the tier pass has stored the earned tier without announcing it,
  and the expiry announces the change from the override's tier to it, once.
- Anomalies are found on the month's revenue; those the ledger no longer shows are withdrawn.
- RFM scores replace the month's scores."""

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.clock import Clock
from kam_shared.messaging.outbox import Outbox
from kam_tiering.anomaly.service import detect_for_close
from kam_tiering.override.service import expire_overrides
from kam_tiering.rfm.service import score_for_close
from kam_tiering.tier.policy import Policy


class CloseStep(Protocol):
    async def __call__(
        self, session: AsyncSession, *, month: str, policy: Policy, outbox: Outbox, clock: Clock
    ) -> object: ...


CLOSE_STEPS: tuple[CloseStep, ...] = (expire_overrides, detect_for_close, score_for_close)
