"""The one contract between the services: every event's wire name, topic, schema version and data."""

import re
from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    field_validator,
    model_validator,
)

from kam_shared.validation import refuse_nul


class Topics:
    # One topic per producing side keeps each customer's events in order within that side (key = customer id).
    REGISTRY = "kam.registry"
    BILLING = "kam.billing"
    TIERING = "kam.tiering"
    SERVICE_DESK = "kam.service-desk"

    ALL = (REGISTRY, BILLING, TIERING, SERVICE_DESK)

    @staticmethod
    def dead_letter(topic: str) -> str:
        return f"{topic}.dlq"


Tier = Literal["strategic", "platinum", "gold", "vip", "standard"]
TIERS: tuple[Tier, ...] = ("strategic", "platinum", "gold", "vip", "standard")
TicketType = Literal["complaint", "change_request", "repair", "billing_dispute", "inquiry"]
Channel = Literal["phone", "email", "letter", "fax", "web", "counter", "account_manager", "partner_api", "chat"]


# A billing account number, as the registry links it and partners bill it: one rule on both sides, so billing
# can never wait for an account the registry cannot link.
AccountNo = Annotated[
    str,
    StringConstraints(strict=True, min_length=1, max_length=64, pattern=r"^[0-9A-Za-z][0-9A-Za-z._:/-]*$"),
    Field(description="billing account number: a letter or digit, then letters, digits and . _ : / -"),
]

# Business dates (posting dates, months asked for) lie in these years; anything outside is a typo or an attack.
FIRST_BUSINESS_YEAR = 2000
LAST_BUSINESS_YEAR = 2100


def _date_written_as_text(value: Any) -> Any:
    # A number is no date: lax parsing would take 0 or 1.7e9 as a Unix time. Nor is an instant: lax parsing
    # would take the date part of "2026-11-10T00:00:00-10:00", whatever day it is in the carrier's time zone.
    if isinstance(value, int | float | bool) or (isinstance(value, str) and not _DATE_TEXT.fullmatch(value)):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _in_business_years(value: date) -> date:
    if not FIRST_BUSINESS_YEAR <= value.year <= LAST_BUSINESS_YEAR:
        raise ValueError(f"the year must lie in {FIRST_BUSINESS_YEAR}..{LAST_BUSINESS_YEAR}")
    return value


BusinessDate = Annotated[date, BeforeValidator(_date_written_as_text), AfterValidator(_in_business_years)]


class Event(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    # An event that validates can be stored by every consumer: PostgreSQL text cannot hold NUL.
    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return refuse_nul(value)

    TYPE: ClassVar[str]
    TOPIC: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int] = 1

    @property
    def subject(self) -> str | None:
        return getattr(self, "customer_id", None)


class CustomerProfile(Event):
    """What the other services replicate of a registry customer: the same fields at registration and after a change."""

    customer_id: str
    full_name: str
    short_name: str | None = None
    uscc: str | None = None
    industry: str | None = None
    branch: str
    county: str | None = None
    important: bool = False
    potential: bool = False
    agreement_signed_on: date | None = None
    agreement_expires_on: date | None = None


class CustomerRegistered(CustomerProfile):
    TYPE = "customer.registered"
    TOPIC = Topics.REGISTRY

    registered_at: AwareDatetime
    # Per-customer sequence of the registry's changes: registration is 1, each customer.updated one more.
    # A replica applies a profile only when its sequence is higher than the one it holds.
    sequence: int = Field(default=1, ge=1)


class CustomerUpdated(CustomerProfile):
    """A change of a customer's master data: the whole profile after it, and which fields changed."""

    TYPE = "customer.updated"
    TOPIC = Topics.REGISTRY

    changed: list[str] = Field(description="names of the profile fields this change altered")
    sequence: int = Field(ge=2)
    updated_at: AwareDatetime


class BillingAccountLinked(Event):
    TYPE = "billing_account.linked"
    TOPIC = Topics.REGISTRY

    customer_id: str
    account_no: AccountNo
    effective_from: date
    previous_customer_id: str | None = None
    linked_at: AwareDatetime


# One charge of a trillion yuan, or a billion items, is a mistake, not a customer.
MAX_AMOUNT_MINOR = 10**14
MAX_ITEMS = 10**9
BillingId = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=128)]


class BillingPosted(Event):
    TYPE = "billing.posted"
    TOPIC = Topics.BILLING

    # Bounds match the ledger's columns, so an event that validates can always be stored. Types are strict:
    # `true`, `"200"` or `100.0` are not amounts, and a number is not an id.
    billing_id: BillingId = Field(description="the partner's own id of this charge")
    customer_id: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=36)] | None = None
    account_no: AccountNo | None = None
    amount_minor: StrictInt = Field(
        ge=-MAX_AMOUNT_MINOR,
        le=MAX_AMOUNT_MINOR,
        description="integer minor units (fen); negative only for a correction",
    )
    currency: Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Z]{3}$")]
    business_line: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=50)]
    items: StrictInt = Field(default=0, ge=0, le=MAX_ITEMS)
    posted_on: BusinessDate
    corrects_billing_id: BillingId | None = Field(
        default=None, description="for a correction: the billing id of the charge it takes from"
    )

    @model_validator(mode="after")
    def _consistent(self) -> "BillingPosted":
        if self.account_no is None and self.customer_id is None:
            raise ValueError("give account_no or customer_id")
        if self.amount_minor < 0 and self.corrects_billing_id is None:
            raise ValueError("a negative amount is a correction and must name corrects_billing_id")
        if self.corrects_billing_id is not None and self.amount_minor >= 0:
            raise ValueError("a correction takes from its charge: its amount_minor must be negative")
        if self.corrects_billing_id is not None and self.corrects_billing_id == self.billing_id:
            raise ValueError("a correction cannot correct itself")
        return self

    @property
    def subject(self) -> str | None:
        return self.customer_id or (f"account:{self.account_no}" if self.account_no else None)


class TierReason(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule: str
    detail: str
    figures: dict[str, int | str] = {}


class TierChanged(Event):
    TYPE = "tier.changed"
    TOPIC = Topics.TIERING

    customer_id: str
    old_tier: Tier
    new_tier: Tier
    qualified: bool
    reasons: list[TierReason]
    revenue_12m_minor: int
    currency: str
    policy_id: str
    policy_version: int
    # Per-customer sequence of tiering's evaluations, shared with revenue.updated: a replica applies an
    # event only when its sequence is higher than the one it holds for that kind of fact.
    sequence: int
    changed_at: AwareDatetime


class RevenueUpdated(Event):
    TYPE = "revenue.updated"
    TOPIC = Topics.TIERING

    customer_id: str
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    month_amount_minor: int
    revenue_12m_minor: int
    currency: str
    as_of: date
    sequence: int


class TicketOpened(Event):
    TYPE = "ticket.opened"
    TOPIC = Topics.SERVICE_DESK

    ticket_id: str
    customer_id: str
    type: TicketType
    channel: Channel
    priority: str
    level: int
    tier: Tier
    received_at: AwareDatetime
    first_response_due_at: AwareDatetime
    resolution_due_at: AwareDatetime


EVENT_TYPES: dict[str, type[Event]] = {
    cls.TYPE: cls
    for cls in (
        CustomerRegistered,
        CustomerUpdated,
        BillingAccountLinked,
        BillingPosted,
        TierChanged,
        RevenueUpdated,
        TicketOpened,
    )
}


def event_class(event_type: str) -> type[Event] | None:
    return EVENT_TYPES.get(event_type)


__all__ = [
    "EVENT_TYPES",
    "FIRST_BUSINESS_YEAR",
    "LAST_BUSINESS_YEAR",
    "TIERS",
    "AccountNo",
    "BillingAccountLinked",
    "BillingPosted",
    "BusinessDate",
    "CustomerProfile",
    "CustomerRegistered",
    "CustomerUpdated",
    "Event",
    "RevenueUpdated",
    "Tier",
    "TierChanged",
    "TierReason",
    "TicketOpened",
    "Topics",
    "event_class",
]
