from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kam_shared.events.catalog import BillingPosted


class BillingEventIn(BillingPosted):
    """A billing event as a partner posts it over REST: the bus event's fields and rules, and no others."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class BillingBatch(BaseModel):
    # Items are checked one by one in the service, so one bad event rejects itself, not the batch.
    events: list[Any] = Field(min_length=1, max_length=1000)


class Rejection(BaseModel):
    index: int
    billing_id: str | None = None
    reason: str


class BatchResult(BaseModel):
    accepted: int
    duplicates: int
    rejected: list[Rejection]


class MonthRevenue(BaseModel):
    month: str
    amount_minor: int
    items: int
    lines: int
    currency: str


class RevenueSeries(BaseModel):
    customer_id: str
    from_month: str
    to_month: str
    months: list[MonthRevenue]
    total_minor: int
    currency: str


class WaitingAccount(BaseModel):
    account_no: str | None
    lines: int
    amount_minor: int
    currency: str
    first_posted_on: date
    last_posted_on: date
