from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kam_shared.validation import RequestBody


class StaffContactIn(RequestBody):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["phone", "mobile", "email", "fax", "wechat"]
    value: str = Field(min_length=1, max_length=200)


class StaffFields(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    org_unit: str = Field(min_length=1, max_length=50, description="code of the branch, company or department")
    level: int = Field(
        ge=0,
        le=3,
        description="0 service centre, 1 branch manager, 2 company key-account manager, 3 marketing department head",
    )
    contacts: list[StaffContactIn] = Field(default_factory=list, max_length=20)


class StaffBase(StaffFields, RequestBody):
    """A staff member's fields as a request writes them: strictly typed."""


class StaffCreate(StaffBase):
    model_config = ConfigDict(extra="forbid")


class StaffUpdate(RequestBody):
    """A change of a staff member: only the fields sent change. `active: false` records that they have left."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    org_unit: str | None = Field(default=None, min_length=1, max_length=50)
    level: int | None = Field(default=None, ge=0, le=3)
    contacts: list[StaffContactIn] | None = Field(default=None, max_length=20)
    active: bool | None = None

    # Defaults are not validated, so this runs only for a field sent as null.
    @field_validator("name", "org_unit", "level", "contacts", "active")
    @classmethod
    def _not_cleared(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null: leave the field out to keep it")
        return value


class StaffRead(StaffFields):
    id: str
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime | None


class StaffPage(BaseModel):
    items: list[StaffRead]
    next_cursor: str | None
