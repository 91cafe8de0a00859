from datetime import date, datetime

from sqlalchemy import Column
from sqlmodel import Field

from kam_shared.db import BigId, UtcDateTime
from kam_tiering.tables import TieringModel


class TierOverride(TieringModel, table=True):
    """A manager's tier for a customer, in force up to and including `expires_on` (Asia/Shanghai dates)."""

    __tablename__ = "tier_override"

    customer_id: str = Field(primary_key=True, max_length=36)
    tier: str = Field(max_length=20)
    reason: str = Field(max_length=500)
    expires_on: date
    set_by: str = Field(max_length=100)
    set_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class TierOverrideEntry(TieringModel, table=True):
    """Append-only audit of overrides: applied, lifted, expired; rows are never updated or deleted."""

    __tablename__ = "tier_override_entry"

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    customer_id: str = Field(max_length=36, index=True)
    action: str = Field(max_length=20)
    tier: str = Field(max_length=20)
    reason: str = Field(max_length=500)
    expires_on: date
    by: str = Field(max_length=100)
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    # The tier.changed sequence the entry was announced with.
    sequence: int
