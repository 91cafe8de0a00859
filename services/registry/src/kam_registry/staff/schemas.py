from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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


class StaffRead(StaffFields):
    id: str
    created_at: datetime


class StaffPage(BaseModel):
    items: list[StaffRead]
    next_cursor: str | None
