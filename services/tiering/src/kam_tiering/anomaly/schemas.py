from datetime import datetime

from pydantic import BaseModel, Field

from kam_shared.events.catalog import AnomalyKind, Tier


class AnomalyRead(BaseModel):
    month: str
    customer_id: str
    kind: AnomalyKind
    branch: str
    tier: Tier
    owner_role: str = Field(description="who follows it up, by the customer's tier: region_head, branch_manager, ...")
    detail: str
    figures: dict[str, int | str] = Field(description="the amounts (minor units) and months that triggered it")
    revision: int
    policy_id: str
    policy_version: int
    detected_at: datetime
    revised_at: datetime


class AnomalyPage(BaseModel):
    items: list[AnomalyRead]
    next_cursor: str | None
