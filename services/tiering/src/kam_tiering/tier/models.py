from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field

from kam_shared.db import UtcDateTime
from kam_tiering.tables import TieringModel


class TierState(TieringModel, table=True):
    __tablename__ = "tier_state"

    customer_id: str = Field(primary_key=True, max_length=36)
    tier: str = Field(max_length=20)
    qualified: bool
    revenue_12m_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    reasons: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    since: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    policy_id: str = Field(max_length=50)
    policy_version: int
    # Bumped on every decision; events carry it so replicas can ignore older news.
    sequence: int = Field(sa_column=Column(BigInteger, nullable=False))
    evaluated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
