from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kam_registry.customer.schemas import Uscc
from kam_shared.validation import RequestBody

ClaimStatus = Literal["holding", "conflict", "rejected", "superseded"]


class ClaimCreate(RequestBody):
    """Who claims which organisation: a registered customer by id, or a prospect by USCC and/or full name."""

    model_config = ConfigDict(extra="forbid")

    unit: str = Field(min_length=1, max_length=50, description="org unit code of the claiming unit")
    customer_id: str | None = Field(default=None, min_length=1, max_length=36)
    uscc: Uscc = None
    name: str | None = Field(default=None, min_length=1, max_length=200, description="full name of the organisation")
    evidence: str = Field(min_length=1, max_length=4000, description="what shows the unit has started development")

    @model_validator(mode="after")
    def _names_an_organisation(self) -> "ClaimCreate":
        if self.customer_id is None and self.name is None:
            raise ValueError("name the organisation: customer_id, or name (with uscc when it has one)")
        return self


class Ruling(RequestBody):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["upheld", "rejected"] = Field(
        description="upheld: this claim takes the right from the one holding it; rejected: the holder keeps it"
    )
    ruled_by: str = Field(min_length=1, max_length=100, description="who ruled (marketing department)")
    reason: str = Field(min_length=1, max_length=4000)


class ClaimRead(BaseModel):
    id: str
    unit: str
    customer_id: str | None
    uscc: str | None
    name: str
    evidence: str
    status: ClaimStatus
    conflicts_with: str | None = Field(description="for a conflict: the claim that held the right when it was made")
    claimed_at: datetime
    ruled_by: str | None
    ruling_reason: str | None
    ruled_at: datetime | None


class ClaimPage(BaseModel):
    items: list[ClaimRead]
    next_cursor: str | None
