from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field

from kam_registry.tables import RegistryModel
from kam_shared.db import UtcDateTime


class Claim(RegistryModel, table=True):
    """A unit's claim of the right to develop an organisation (a customer or a prospect)."""

    __tablename__ = "claim"

    id: str = Field(primary_key=True, max_length=36)
    unit: str = Field(max_length=50, index=True)
    customer_id: str | None = Field(default=None, foreign_key="customer.id", max_length=36)
    uscc: str | None = Field(default=None, max_length=18, index=True)
    name: str = Field(max_length=200)
    normalized_name: str = Field(max_length=200, index=True)
    evidence: str = Field(sa_column=Column(Text, nullable=False))
    # holding (has the right), conflict (waits for a ruling), rejected (ruled against), superseded (lost it).
    status: str = Field(max_length=20, index=True)
    conflicts_with: str | None = Field(default=None, max_length=36)
    claimed_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    ruled_by: str | None = Field(default=None, max_length=100)
    ruling_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    ruled_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
