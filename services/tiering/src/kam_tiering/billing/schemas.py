import uuid
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from kam_shared.events.catalog import BillingPosted

MAX_BATCH = 1000


class BillingEventIn(BillingPosted):
    """A billing event as a partner posts it over REST: the bus event's fields and rules, and no others.

    Give `account_no` or `customer_id` (or both, when they agree). A correction has a negative amount and
    names the charge it takes from in `corrects_billing_id`."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "billing_id": "XM-2026-11-000123",
                    "account_no": "MS-0001",
                    "amount_minor": 123456,
                    "currency": "CNY",
                    "business_line": "domestic_express",
                    "items": 42,
                    "posted_on": "2026-11-10",
                },
                {
                    "billing_id": "XM-2026-11-000124",
                    "account_no": "MS-0001",
                    "amount_minor": -23456,
                    "currency": "CNY",
                    "business_line": "domestic_express",
                    "posted_on": "2026-11-12",
                    "corrects_billing_id": "XM-2026-11-000123",
                },
            ]
        },
    )

    @field_validator("customer_id")
    @classmethod
    def _as_issued(cls, value: str | None) -> str | None:
        """The registry issues customer ids as lower-case UUIDs and ids are compared as written: a UUID written
        another way (upper case, braces, no hyphens) would wait for good for a customer that never comes."""
        if value is None:
            return value
        try:
            canonical = str(uuid.UUID(value))
        except ValueError:
            return value  # not a UUID: an id of the registry's own form or none; it waits until announced
        if canonical != value:
            raise ValueError(f"write the customer id as the registry issued it: {canonical}")
        return value


# The schema a client sees for each item; the service validates items one by one, so a bad event is rejected on
# its own (in `rejected`) instead of failing the whole batch with a 422.
BillingEventItem = Annotated[Any, WithJsonSchema(BillingEventIn.model_json_schema(mode="validation"))]


class BillingBatch(BaseModel):
    events: list[BillingEventItem] = Field(min_length=1, max_length=MAX_BATCH)


class Rejection(BaseModel):
    index: int = Field(description="position of the event in the batch, from 0")
    billing_id: str | None = Field(default=None, description="the event's billing id, when it gave a valid one")
    reason: str = Field(
        description="the field and what is wrong with it; `conflict: ...` for a billing id "
        "accepted before with other content"
    )


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


WaitingReason = Literal[
    "account-not-linked",
    "customer-not-registered",
    "charge-not-arrived",
    "charge-waiting",
    "refused-by-charge",
]


class WaitingBilling(BaseModel):
    """Billing that does not count yet, grouped by why it waits and for what."""

    reason: WaitingReason = Field(
        description="account-not-linked: no customer holds the account on the posting date; "
        "customer-not-registered: the named customer has not been announced by the registry; "
        "charge-not-arrived: a correction whose charge is not in the ledger yet; "
        "charge-waiting: a correction whose charge waits itself; "
        "refused-by-charge: a correction that takes more than remains of its charge, or names another "
        "account or customer"
    )
    account_no: str | None
    customer_id: str | None
    lines: int
    amount_minor: int
    currency: str
    first_posted_on: date
    last_posted_on: date
