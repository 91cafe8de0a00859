"""What every event of the catalog stands on: topics, the envelope's base model, the shared value types."""

import re
from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
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
