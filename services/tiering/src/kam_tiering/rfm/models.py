from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field

from kam_shared.db import UtcDateTime
from kam_tiering.tables import TieringModel


class RfmScore(TieringModel, table=True):
    """A customer's recency, frequency and monetary figures at a month's close, scored 1-5 by quintile."""

    __tablename__ = "rfm_score"
    __table_args__ = (Index("ix_rfm_score_month_segment", "month", "segment", "customer_id"),)

    month: str = Field(primary_key=True, max_length=7)
    customer_id: str = Field(primary_key=True, max_length=36)
    last_billed_on: date
    recency_days: int
    frequency_days: int
    monetary_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    r_score: int
    f_score: int
    m_score: int
    segment: str = Field(max_length=50)
    policy_id: str = Field(max_length=50)
    policy_version: int
    scored_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
