from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field

from kam_shared.db import UtcDateTime
from kam_tiering.tables import TieringModel


class BillingIntake(TieringModel, table=True):
    """Billing ids taken in, over REST or from the bus: the partner is told at once which ones it sent before,
    and whether it sent them with the same content (a duplicate) or other content (a conflict)."""

    __tablename__ = "billing_intake"
    __table_args__ = (Index("ix_billing_intake_corrects_billing_id", "corrects_billing_id"),)

    billing_id: str = Field(primary_key=True, max_length=128)
    received_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    # SHA-256 of the accepted content; None for billing taken in before fingerprints were kept.
    fingerprint: str | None = Field(default=None, max_length=64)
    # The amount and the charge a correction takes from, as accepted: until the event reaches the ledger the
    # intake alone knows of it, and a later correction of the same charge must not take that part again.
    # None for billing taken in before they were kept (all of it is in the ledger).
    amount_minor: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    corrects_billing_id: str | None = Field(default=None, max_length=128)
    # The key id (or token subject) that posted it over REST; None for billing from the bus. A partner reads back
    # only its own billing in the waiting views.
    submitted_by: str | None = Field(default=None, max_length=200, index=True)


class LedgerLine(TieringModel, table=True):
    """One posted charge or correction. A line counts in its customer's monthly revenue only once everything it
    depends on is known: the account's holder, the customer's announcement, and for a correction its charge.
    Until then it waits (`counted` false), listed in the waiting views."""

    __tablename__ = "ledger_line"
    __table_args__ = (
        Index("ix_ledger_line_unattributed", "account_no", "posted_on"),
        Index("ix_ledger_line_corrects_billing_id", "corrects_billing_id"),
    )

    billing_id: str = Field(primary_key=True, max_length=128)
    account_no: str | None = Field(default=None, max_length=64)
    customer_id: str | None = Field(default=None, max_length=36, index=True)
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    business_line: str = Field(max_length=50)
    items: int = Field(sa_column=Column(BigInteger, nullable=False))
    posted_on: date
    # The month the line counts in: its own posting month, or for a correction the month of its charge.
    month: str = Field(max_length=7)
    counted: bool = False
    corrects_billing_id: str | None = Field(default=None, max_length=128)
    # True when the customer was found through the account (not named by the partner): a later move-in of
    # the account may then hand the line to the account's new holder.
    via_account: bool = True
    event_id: str = Field(max_length=200)
    recorded_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class MonthlyRevenue(TieringModel, table=True):
    __tablename__ = "monthly_revenue"

    customer_id: str = Field(primary_key=True, max_length=36)
    month: str = Field(primary_key=True, max_length=7)
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    items: int = Field(sa_column=Column(BigInteger, nullable=False))
    lines: int
    currency: str = Field(max_length=3)
