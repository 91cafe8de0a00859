from datetime import date, datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field

from kam_shared.db import UtcDateTime
from kam_tiering.tables import TieringModel


class CustomerProfile(TieringModel, table=True):
    """What tiering needs of a registry customer, replicated from customer.registered and customer.updated."""

    __tablename__ = "customer_profile"

    customer_id: str = Field(primary_key=True, max_length=36)
    branch: str = Field(max_length=50)
    county: str | None = Field(default=None, max_length=50, index=True)
    important: bool = False
    potential: bool = False
    agreement_signed_on: date | None = None
    agreement_expires_on: date | None = None
    registered_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    # The registry's per-customer sequence of the profile held: an older or repeated one changes nothing.
    sequence: int = Field(default=1, sa_column=Column(BigInteger, nullable=False))


class AccountLink(TieringModel, table=True):
    """Replica of billing_account.linked and billing_account.closed: who holds an account from which date.

    A move-out is a row without a customer: from its date the account is held by nobody until the next link.
    A link and a move-out on the same day mean the next holder moves in that day: the link wins."""

    __tablename__ = "account_link"

    account_no: str = Field(primary_key=True, max_length=64)
    effective_from: date = Field(primary_key=True)
    customer_id: str | None = Field(default=None, max_length=36, index=True)
