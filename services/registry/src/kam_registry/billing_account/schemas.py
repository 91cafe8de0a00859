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


class MoveOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    effective_on: BusinessDate = Field(description="the first day the customer no longer holds the account")


class HoldingRead(BaseModel):
    """One period during which one customer held one account: from `effective_from`, until before `effective_to`."""

    account_no: str
    customer_id: str
    effective_from: date
    effective_to: date | None = Field(description="the first day not held; null while held")
    linked_at: datetime


class CustomerAccounts(BaseModel):
    items: list[HoldingRead]


class AccountHistory(BaseModel):
    account_no: str
    customer_id: str | None = Field(description="the current holder; null after a move-out")
    effective_from: date | None
    closed_on: date | None
    history: list[HoldingRead] = Field(description="every holder, oldest first")
