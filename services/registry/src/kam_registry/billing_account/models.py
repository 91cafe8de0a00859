from datetime import date, datetime

from sqlalchemy import Column
from sqlmodel import Field

from kam_registry.tables import RegistryModel
from kam_shared.db import UtcDateTime


class BillingAccount(RegistryModel, table=True):
    """The account's current holder. An account moves between customers; it is never re-created."""

    __tablename__ = "billing_account"

    account_no: str = Field(primary_key=True, max_length=64)
    customer_id: str = Field(foreign_key="customer.id", index=True, max_length=36)
    effective_from: date
    linked_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    # Set by a move-out: from this day nobody holds the account (customer_id is then its last holder).
    closed_on: date | None = None


class BillingAccountLink(RegistryModel, table=True):
    """Every holder an account has had, with the dates between which it held it."""

    __tablename__ = "billing_account_link"

    id: int | None = Field(default=None, primary_key=True)
    account_no: str = Field(index=True, max_length=64)
    customer_id: str = Field(foreign_key="customer.id", index=True, max_length=36)
    effective_from: date
    effective_to: date | None = None
    linked_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
