from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from kam_registry.customer.uscc import uscc_problem
from kam_shared.events.catalog import Tier
from kam_shared.validation import RequestBody


def _valid_uscc(code: str | None) -> str | None:
    if code is None:
        return None
    code = code.strip().upper()
    problem = uscc_problem(code)
    if problem:
        raise ValueError(f"not a valid unified social credit code: {problem}")
    return code


Uscc = Annotated[str | None, AfterValidator(_valid_uscc)]


def _written_as_text(value: Any) -> Any:
    # A number is no date: lax parsing would take 0 as 1970-01-01 (a Unix time).
    if isinstance(value, int | float | bool):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


DateText = Annotated[date, BeforeValidator(_written_as_text)]


class Contact(RequestBody):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    role: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")
    fax: str | None = Field(default=None, max_length=40)


class Agreement(RequestBody):
    model_config = ConfigDict(extra="forbid")

    signed_on: DateText
    expires_on: DateText | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Agreement":
        if self.expires_on is not None and self.expires_on < self.signed_on:
            raise ValueError("expires_on is before signed_on")
        return self


class CustomerFields(BaseModel):
    """What a customer record holds that its client writes."""

    full_name: str = Field(min_length=1, max_length=200)
    short_name: str | None = Field(default=None, max_length=100)
    industry: str | None = Field(default=None, max_length=50)
    branch: str = Field(min_length=1, max_length=50, description="org unit code of the responsible branch")
    county: str | None = Field(default=None, max_length=50)
    address: str | None = Field(default=None, max_length=300)
    postcode: str | None = Field(default=None, max_length=10, pattern=r"^[0-9A-Za-z -]{3,10}$")
    contacts: list[Contact] = Field(default_factory=list, max_length=50)
    important: bool = Field(default=False, description="government, regulator, customs, media, police, court")
    potential: bool = Field(default=False, description="a prospect below the threshold or using a competitor")


class CustomerBase(CustomerFields, RequestBody):
    """The customer's fields as a request writes them: strictly typed (kam_shared.validation.RequestBody)."""


class CustomerCreate(CustomerBase):
    model_config = ConfigDict(extra="forbid")

    uscc: Uscc = None
    agreement: Agreement | None = None


class CustomerUpdate(RequestBody):
    """A change of master data: only the fields sent change; `null` clears an optional one.

    Server-owned fields (`id`, `tier`, `version`, timestamps) are not part of it and are refused like any
    unknown field."""

    model_config = ConfigDict(extra="forbid")

    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    short_name: str | None = Field(default=None, max_length=100)
    uscc: Uscc = None
    industry: str | None = Field(default=None, max_length=50)
    branch: str | None = Field(default=None, min_length=1, max_length=50)
    county: str | None = Field(default=None, max_length=50)
    address: str | None = Field(default=None, max_length=300)
    postcode: str | None = Field(default=None, max_length=10, pattern=r"^[0-9A-Za-z -]{3,10}$")
    contacts: list[Contact] | None = Field(default=None, max_length=50)
    important: bool | None = None
    potential: bool | None = None
    agreement: Agreement | None = None

    # Defaults are not validated, so this runs only for a field sent as null.
    @field_validator("full_name", "branch", "contacts", "important", "potential")
    @classmethod
    def _not_cleared(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null: the customer always has one")
        return value


class CustomerRead(CustomerFields):
    id: str
    external_id: str | None = Field(default=None, description="its id in the system it was imported from")
    uscc: str | None
    agreement: Agreement | None
    tier: Tier = Field(description="as tiering last announced it (tier.changed); standard until then")
    duplicate_of: str | None = Field(
        default=None, description="the customer with the same normalised name this one was confirmed beside"
    )
    duplicate_reason: str | None = None
    version: int
    created_at: datetime
    updated_at: datetime


class CustomerPage(BaseModel):
    items: list[CustomerRead]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class DuplicateConfirmation(BaseModel):
    """The caller's word that a customer whose normalised name is taken is nevertheless another organisation."""

    force: bool = False
    reason: str | None = None
