from datetime import date, datetime

from pydantic import BaseModel, Field


class RfmRead(BaseModel):
    month: str = Field(description="the month closed when the customer was scored")
    customer_id: str
    last_billed_on: date
    recency_days: int = Field(description="days from the last billing to the month's last day")
    frequency_days: int = Field(description="days with billing in the window")
    monetary_minor: int = Field(description="revenue counted in the window's months, minor units")
    currency: str
    r_score: int = Field(ge=1, le=5)
    f_score: int = Field(ge=1, le=5)
    m_score: int = Field(ge=1, le=5)
    segment: str
    policy_id: str
    policy_version: int
    scored_at: datetime


class RfmPage(BaseModel):
    month: str | None = Field(description="the month listed: the one asked for, else the latest scored")
    items: list[RfmRead]
    next_cursor: str | None
