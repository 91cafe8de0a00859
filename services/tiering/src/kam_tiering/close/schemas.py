from datetime import datetime

from pydantic import BaseModel, Field


class MonthCloseRead(BaseModel):
    month: str = Field(description="YYYY-MM")
    first_closed_at: datetime
    closed_at: datetime = Field(description="when the latest close of the month ran")
    runs: int = Field(description="how many times the month was closed")
    customers: int = Field(description="customers evaluated by the latest close")
    tier_changes: int = Field(description="tier changes the latest close made (and announced)")
    states_changed: int = Field(description="tier states the latest close wrote: tier, qualification or revenue")
    policy_id: str
    policy_version: int
