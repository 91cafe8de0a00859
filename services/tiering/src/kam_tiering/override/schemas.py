from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kam_shared.events.catalog import BusinessDate, Tier
from kam_shared.validation import RequestBody


class OverrideWrite(RequestBody):
    model_config = ConfigDict(extra="forbid")

    tier: Tier
    reason: str = Field(min_length=1, max_length=500, description="why the manager overrides the earned tier")
    expires_on: BusinessDate = Field(
        description="YYYY-MM-DD (Asia/Shanghai): the override is in force up to and including this day"
    )


class OverrideRead(BaseModel):
    customer_id: str
    tier: Tier
    reason: str
    expires_on: date
    set_by: str = Field(description="the key id of the principal who set it")
    set_at: datetime


class OverrideEntryRead(BaseModel):
    action: Literal["applied", "lifted", "expired"]
    tier: Tier = Field(description="the tier the override gave")
    reason: str
    expires_on: date
    by: str = Field(description="key id of the principal, or `month-close` for an expiry")
    at: datetime
    sequence: int = Field(description="the tier.changed sequence it was announced with")


class OverrideHistory(BaseModel):
    customer_id: str
    entries: list[OverrideEntryRead] = Field(description="oldest first; entries are never changed or removed")
