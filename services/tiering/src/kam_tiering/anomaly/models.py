from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field

from kam_shared.db import UtcDateTime
from kam_tiering.tables import TieringModel


class Anomaly(TieringModel, table=True):
    """An anomaly found when a month was closed. Closing the month again updates it in place: its revision goes up
    when its figures change, and it is withdrawn (kept, hidden) when the ledger no longer shows it."""

    __tablename__ = "anomaly"
    __table_args__ = (Index("ix_anomaly_month_branch", "month", "branch"),)

    month: str = Field(primary_key=True, max_length=7)
    customer_id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(primary_key=True, max_length=30)
    branch: str = Field(max_length=50)
    tier: str = Field(max_length=20)
    owner_role: str = Field(max_length=50)
    detail: str = Field(max_length=500)
    figures: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # SHA-256 of what the anomaly says (figures, tier, owner): a re-close that finds the same leaves it alone.
    fingerprint: str = Field(max_length=64)
    revision: int
    # The run that last found it, and the run that last changed it: a run emits what it changed.
    last_run: str = Field(max_length=36)
    revised_run: str = Field(max_length=36)
    policy_id: str = Field(max_length=50)
    policy_version: int
    detected_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    revised_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    withdrawn_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
