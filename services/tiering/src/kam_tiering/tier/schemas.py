from datetime import datetime

from pydantic import BaseModel

from kam_shared.events.catalog import Tier, TierReason


class TierRead(BaseModel):
    customer_id: str
    tier: Tier
    qualified: bool
    reasons: list[TierReason]
    revenue_12m_minor: int
    currency: str
    since: datetime | None
    policy_id: str
    policy_version: int
    evaluated_at: datetime | None
