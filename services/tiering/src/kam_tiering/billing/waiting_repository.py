"""Queries behind the waiting views: billing in the ledger that does not count yet, and why."""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.security.scoping import within
from kam_tiering.billing.repository import intake, ledger
from kam_tiering.customer.models import CustomerProfile

profiles = CustomerProfile.__table__


@dataclass(frozen=True, slots=True)
class Visible:
    """Which waiting billing a caller sees: what it submitted itself, and with `customers` (it reads customers)
    the billing of customers of `unit` and below (None: every line, the unattributed ones too)."""

    submitted_by: str
    customers: bool
    unit: str | None

    def condition(self) -> ColumnElement[bool]:
        own = intake.c.submitted_by == self.submitted_by
        if not self.customers:
            return own
        if self.unit is None:
            return true()
        return or_(own, within(profiles.c.branch, self.unit))


charge = ledger.alias("charge")

# Why a line waits, from what it waits for; a correction first waits for its charge.
_REASON = case(
    (and_(ledger.c.corrects_billing_id.is_not(None), charge.c.billing_id.is_(None)), "charge-not-arrived"),
    (and_(ledger.c.corrects_billing_id.is_not(None), charge.c.counted.is_(True)), "refused-by-charge"),
    (ledger.c.corrects_billing_id.is_not(None), "charge-waiting"),
    (ledger.c.customer_id.is_(None), "account-not-linked"),
    else_="customer-not-registered",
).label("reason")


def _lines_with_submitter_and_branch():
    return ledger.outerjoin(intake, intake.c.billing_id == ledger.c.billing_id).outerjoin(
        profiles, profiles.c.customer_id == ledger.c.customer_id
    )


async def waiting_by_account(session: AsyncSession, limit: int, visible: Visible) -> list:
    rows = await session.execute(
        select(
            ledger.c.account_no,
            func.count().label("lines"),
            func.sum(ledger.c.amount_minor).label("amount_minor"),
            ledger.c.currency,
            func.min(ledger.c.posted_on).label("first_posted_on"),
            func.max(ledger.c.posted_on).label("last_posted_on"),
        )
        .select_from(_lines_with_submitter_and_branch())
        .where(ledger.c.customer_id.is_(None), ledger.c.counted.is_(False), visible.condition())
        .group_by(ledger.c.account_no, ledger.c.currency)
        .order_by(func.sum(ledger.c.amount_minor).desc(), ledger.c.account_no)
        .limit(limit)
    )
    return list(rows)


async def waiting_billing(session: AsyncSession, limit: int, visible: Visible) -> list:
    rows = await session.execute(
        select(
            _REASON,
            ledger.c.account_no,
            ledger.c.customer_id,
            func.count().label("lines"),
            func.sum(ledger.c.amount_minor).label("amount_minor"),
            ledger.c.currency,
            func.min(ledger.c.posted_on).label("first_posted_on"),
            func.max(ledger.c.posted_on).label("last_posted_on"),
        )
        .select_from(
            _lines_with_submitter_and_branch().outerjoin(charge, charge.c.billing_id == ledger.c.corrects_billing_id)
        )
        .where(ledger.c.counted.is_(False), visible.condition())
        .group_by(_REASON, ledger.c.account_no, ledger.c.customer_id, ledger.c.currency)
        .order_by(func.count().desc(), _REASON, ledger.c.account_no, ledger.c.customer_id)
        .limit(limit)
    )
    return list(rows)
