from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Column
from sqlmodel import Field

from kam_reporting.tables import ReportingModel
from kam_shared.db import UtcDateTime
from kam_shared.events.catalog import TIERS


class CustomerView(ReportingModel, table=True):
    """One row per customer, assembled only from registry's and tiering's events."""

    __tablename__ = "customer_view"
    __table_args__ = (CheckConstraint(f"tier IN ({', '.join(repr(tier) for tier in TIERS)})", name="tier"),)

    customer_id: str = Field(primary_key=True, max_length=64)
    # Null until customer.registered arrives: tiering's events for a customer may come first. Until then the
    # row only holds their figures for later; reports count registered customers only.
    full_name: str | None = Field(default=None, max_length=200)
    branch: str | None = Field(default=None, max_length=50, index=True)
    county: str | None = Field(default=None, max_length=50)
    industry: str | None = Field(default=None, max_length=50)
    important: bool = False
    potential: bool = False
    # The registry's per-customer sequence of the profile held (registration 1, each customer.updated one
    # more); None while only tiering's figures are held. An older or repeated profile changes nothing.
    profile_sequence: int | None = Field(default=None, sa_type=BigInteger)
    registered_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    tier: str = Field(default="standard", max_length=20)
    qualified: bool = False
    tier_sequence: int | None = Field(default=None, sa_type=BigInteger)
    revenue_12m_minor: int = Field(default=0, sa_type=BigInteger)
    currency: str | None = Field(default=None, max_length=3)
    revenue_as_of: date | None = None
    revenue_sequence: int | None = Field(default=None, sa_type=BigInteger)
    # The parent customer as the registry's customer.group_changed last placed it; null when it stands alone.
    parent_id: str | None = Field(default=None, max_length=64, index=True)
    # The registry's time of that change: an older change arriving late changes nothing.
    group_changed_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
