from datetime import date

from pydantic import BaseModel, Field

from kam_shared.events.catalog import Tier


class TierLine(BaseModel):
    tier: Tier
    customers: int
    revenue_12m_minor: int = Field(description="trailing-12-month revenue in minor units of `currency`")
    share_of_revenue: float = Field(description="this tier's part of the total revenue, 0 to 1, rounded to 4 places")


class TierTotals(BaseModel):
    customers: int
    revenue_12m_minor: int


class TierReport(BaseModel):
    as_of: date | None = Field(description="latest revenue date among the customers counted; null before any revenue")
    currency: str | None = Field(description="ISO 4217 code of every amount; null before any revenue")
    tiers: list[TierLine] = Field(description="every tier, from strategic down to standard, empty ones included")
    totals: TierTotals
