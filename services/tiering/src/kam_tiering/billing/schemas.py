from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class BillingEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    billing_id: str = Field(min_length=1, max_length=128, description="the partner's own id of this charge")
    account_no: str | None = Field(default=None, min_length=1, max_length=64)
    customer_id: str | None = Field(default=None, min_length=1, max_length=36)
    amount_minor: int = Field(description="integer minor units (fen); negative only for a correction")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    business_line: str = Field(min_length=1, max_length=50)
    items: int = Field(default=0, ge=0)
    posted_on: date
    corrects_billing_id: str | None = Field(default=None, min_length=1, max_length=128)

    @model_validator(mode="after")
    def _consistent(self) -> "BillingEventIn":
        if self.account_no is None and self.customer_id is None:
            raise ValueError("give account_no or customer_id")
        if self.amount_minor < 0 and self.corrects_billing_id is None:
            raise ValueError("a negative amount is a correction and must name corrects_billing_id")
        if self.corrects_billing_id is not None and self.corrects_billing_id == self.billing_id:
            raise ValueError("a correction cannot correct itself")
        return self


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
