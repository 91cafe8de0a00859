from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kam_shared.validation import RequestBody

Role = Literal["a", "b"]


class ManagersUpdate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    a: str | None = Field(max_length=36, description="staff id of manager A (primary), or null")
    b: str | None = Field(max_length=36, description="staff id of manager B (backup), or null")

    @model_validator(mode="after")
    def _two_people(self) -> "ManagersUpdate":
        if self.a is not None and self.a == self.b:
            raise ValueError("A and B must be two different people")
        if self.b is not None and self.a is None:
            raise ValueError("a backup (B) needs a primary manager (A)")
        return self


class Assignment(BaseModel):
    role: Role
    staff_id: str
    assigned_at: datetime
    ended_at: datetime | None


class ManagersRead(BaseModel):
    customer_id: str
    a: str | None
    b: str | None
    history: list[Assignment] = Field(description="every assignment, oldest first")


class ManagedCustomer(BaseModel):
    customer_id: str
    full_name: str
    branch: str
    tier: str
    role: Role
    assigned_at: datetime


class ManagedCustomers(BaseModel):
    items: list[ManagedCustomer]
