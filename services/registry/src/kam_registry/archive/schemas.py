from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kam_shared.validation import RequestBody


def _text():
    return Field(default=None, min_length=1, max_length=2000)


class PartIn(RequestBody):
    model_config = ConfigDict(extra="forbid")

    refreshed_by: str = Field(min_length=1, max_length=100, description="who checked the part with the customer")


class BasicPart(PartIn):
    """The basic part beyond what the customer record holds (names, USCC, industry, address: PATCH the customer)."""

    principal: str | None = Field(default=None, min_length=1, max_length=100, description="legal representative")
    size: Literal["micro", "small", "medium", "large"] | None = None
    main_products: list[str] = Field(default_factory=list, max_length=50)
    business_lines: list[str] = Field(default_factory=list, max_length=20, description="business lines used")
    cities: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="cities where it uses the service: 2 or more is province-wide",
    )


class ExtendedPart(PartIn):
    organisation: str | None = _text()
    decision_process: str | None = _text()
    purchasing_habits: str | None = _text()


class KeyPerson(RequestBody):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    role: Literal["decision_maker", "influencer", "user", "gatekeeper"] = Field(description="role in the decision")
    title: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")


class KeyPersonsPart(PartIn):
    key_persons: list[KeyPerson] = Field(default_factory=list, max_length=100)


class Competitor(RequestBody):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    services: str | None = Field(default=None, max_length=500, description="what the customer buys from them")
    share_percent: int | None = Field(default=None, ge=0, le=100, description="their share of the customer's spend")


class CompetitorsPart(PartIn):
    competitors: list[Competitor] = Field(default_factory=list, max_length=50)

    @field_validator("competitors")
    @classmethod
    def _shares_fit(cls, competitors: list[Competitor]) -> list[Competitor]:
        total = sum(competitor.share_percent or 0 for competitor in competitors)
        if total > 100:
            raise ValueError(f"the competitors' share_percent add up to {total}, more than 100")
        return competitors


class PartRead(BaseModel):
    data: dict
    completeness: int = Field(description="percent of the part's counted fields that are filled")
    refreshed_at: datetime | None
    refreshed_by: str | None


class ArchiveRead(BaseModel):
    customer_id: str
    parts: dict[str, PartRead]
    completeness: int = Field(description="percent of all counted fields that are filled")
    geographic_scope: Literal["province_wide", "regional"] | None
    last_refreshed_at: datetime | None
    refresh_due_at: datetime | None = Field(description="null for a tier without a refresh cadence")
    policy_id: str
    policy_version: int


class OverdueArchive(BaseModel):
    customer_id: str
    full_name: str
    branch: str
    tier: str
    last_refreshed_at: datetime | None = Field(description="null when never refreshed (counted from registration)")
    due_at: datetime
    overdue_days: int


class OverdueList(BaseModel):
    as_of: date
    items: list[OverdueArchive]
