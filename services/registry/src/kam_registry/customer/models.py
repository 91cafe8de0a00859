from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field

from kam_registry.tables import RegistryModel
from kam_shared.db import UtcDateTime


class Customer(RegistryModel, table=True):
    __tablename__ = "customer"
    __table_args__ = (Index("ix_customer_external_id", "external_id", unique=True),)

    id: str = Field(primary_key=True, max_length=36)
    full_name: str = Field(max_length=200)
    # The customer's id in the system it was imported from: a second import finds it again by this.
    external_id: str | None = Field(default=None, max_length=100)
    normalized_name: str = Field(max_length=200, index=True)
    short_name: str | None = Field(default=None, max_length=100)
    uscc: str | None = Field(default=None, max_length=18, unique=True)
    industry: str | None = Field(default=None, max_length=50)
    branch: str = Field(max_length=50, index=True)
    county: str | None = Field(default=None, max_length=50)
    address: str | None = Field(default=None, max_length=300)
    postcode: str | None = Field(default=None, max_length=10)
    contacts: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    important: bool = False
    potential: bool = False
    agreement_signed_on: date | None = None
    agreement_expires_on: date | None = None
    # The group's parent (no database constraint: checked by the group rules, which also refuse cycles).
    parent_id: str | None = Field(default=None, max_length=36, index=True)
    # Registered (or renamed) on purpose under a name another customer already has: which one, and why.
    duplicate_of: str | None = Field(default=None, max_length=36)
    duplicate_reason: str | None = Field(default=None, max_length=500)
    # Learned from tiering's tier.changed, applied only when its sequence is higher than the one held.
    tier: str = Field(default="standard", max_length=20, sa_column_kwargs={"server_default": text("'standard'")})
    tier_sequence: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    # The master data's version: the ETag, and the sequence of the customer's registry events (registration is 1).
    version: int = 1
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
