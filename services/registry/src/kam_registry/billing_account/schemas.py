from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class BillingAccountLinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_no: str = Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z][0-9A-Za-z._:/-]*$")
    effective_from: date = Field(description="first posting date that counts for this customer")


class BillingAccountRead(BaseModel):
    account_no: str
    customer_id: str
    effective_from: date
    linked_at: datetime
    previous_customer_id: str | None = None
