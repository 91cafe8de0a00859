from pydantic import BaseModel, ConfigDict, Field

from kam_shared.validation import RequestBody


class ParentUpdate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    parent_id: str | None = Field(max_length=36, description="the parent customer, or null to leave the group")


class GroupMember(BaseModel):
    id: str
    full_name: str


class GroupRead(BaseModel):
    customer_id: str
    parent_id: str | None
    ancestors: list[GroupMember] = Field(description="from the parent up to the head of the group")
    subsidiaries: list[GroupMember] = Field(description="direct subsidiaries")
