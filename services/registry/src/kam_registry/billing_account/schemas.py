from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from kam_shared.events.catalog import AccountNo, BusinessDate


class BillingAccountLinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_no: AccountNo
    # Written YYYY-MM-DD (never a number) and in the years billing can be posted.
    effective_from: BusinessDate = Field(description="first posting date that counts for this customer")


class BillingAccountRead(BaseModel):
    account_no: str
    customer_id: str
    effective_from: date
    linked_at: datetime
    previous_customer_id: str | None = None
