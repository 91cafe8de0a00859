from pydantic import BaseModel, Field

from kam_tiering.billing.schemas import MonthRevenue


class GroupMemberRevenue(BaseModel):
    customer_id: str
    parent_id: str | None = Field(description="the member's parent within the group; null for the customer asked for")
    depth: int = Field(description="0 for the customer asked for, 1 for its subsidiaries, 2 for theirs, ...")
    total_minor: int = Field(description="the member's own revenue over the range")


class GroupRevenue(BaseModel):
    """A parent's revenue rolled up over its whole group: itself and every subsidiary below it."""

    customer_id: str
    from_month: str
    to_month: str
    currency: str
    months: list[MonthRevenue] = Field(description="the group's revenue, one entry per month of the range")
    total_minor: int
    member_count: int = Field(description="customers in the group, the one asked for included")
    members: list[GroupMemberRevenue] = Field(description="the members with the most revenue first, up to `limit`")
