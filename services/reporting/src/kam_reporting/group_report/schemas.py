from pydantic import BaseModel, Field

from kam_shared.events.catalog import Tier


class GroupLine(BaseModel):
    head_id: str = Field(description="the customer at the top of the group")
    full_name: str | None
    branch: str | None
    tier: Tier = Field(description="the head's own tier")
    members: int = Field(description="customers in the group, the head included")
    depth: int = Field(description="levels of subsidiaries below the head")
    own_revenue_12m_minor: int = Field(description="the head's own trailing-12-month revenue")
    revenue_12m_minor: int = Field(description="trailing-12-month revenue of the whole group")
    share_of_group: float = Field(description="the head's own part of the group's revenue, 0 to 1, 4 places")


class GroupReport(BaseModel):
    currency: str | None = Field(description="ISO 4217 code of every amount; null before any revenue")
    groups: list[GroupLine] = Field(description="groups with the largest revenue first, up to `limit`")
    total_groups: int = Field(description="how many groups there are, beyond `limit` too")
