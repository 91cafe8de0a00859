from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field

from kam_shared.db import UtcDateTime
from kam_tiering.tables import TieringModel


class MonthClose(TieringModel, table=True):
    """A month that has been closed, and what its latest close did. Closing again updates the row."""

    __tablename__ = "month_close"

    month: str = Field(primary_key=True, max_length=7)
    first_closed_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    closed_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    runs: int
    # Of the latest run: customers evaluated, tiers changed, states written (revenue aged or tier changed).
    customers: int
    tier_changes: int
    states_changed: int
    policy_id: str = Field(max_length=50)
    policy_version: int
