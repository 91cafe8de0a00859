"""Waiting lines start to count: a charge once its customer is announced, a correction once its charge counts."""

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from kam_tiering.billing import repository
from kam_tiering.billing.rules import Charge, correction_refusal
from kam_tiering.tier.policy import Policy


class Deltas:
    """Changes to (customer, month) totals gathered over one transaction, written in one statement."""

    def __init__(self) -> None:
        self._totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])

    def add(self, customer_id: str, month: str, amount: int, items: int, lines: int = 1) -> None:
        totals = self._totals[(customer_id, month)]
        totals[0] += amount
        totals[1] += items
        totals[2] += lines

    def customers(self) -> set[str]:
        return {customer for customer, _ in self._totals}

    async def write(self, session: AsyncSession, policy: Policy) -> None:
        await repository.add_monthly(
            session,
            [
                {
                    "customer_id": customer_id,
                    "month": month,
                    "amount_minor": amount,
                    "items": items,
                    "lines": lines,
                    "currency": policy.currency,
                }
                for (customer_id, month), (amount, items, lines) in self._totals.items()
            ],
        )


async def count_corrections_of(session: AsyncSession, originals: Iterable[str], deltas: Deltas) -> None:
    """Corrections that waited for these charges count now, in their charge's month and for its customer, as far
    as they fit in what remains of it; one that does not fit (or names another account or customer) keeps
    waiting, listed with its reason."""
    waiting = await repository.waiting_corrections(session, originals)
    if not waiting:
        return
    charges = await repository.charges(session, {row.corrects_billing_id for row in waiting})
    counted = []
    for row in waiting:
        charge = charges.get(row.corrects_billing_id)
        if charge is None or not charge.counted:
            continue
        refusal = correction_refusal(
            original=charge,
            amount_minor=row.amount_minor,
            account_no=row.account_no,
            customer_id=None if row.via_account else row.customer_id,
        )
        if refusal is not None:
            continue
        charge.taken_minor -= row.amount_minor
        counted.append({"billing_id": row.billing_id, "customer_id": charge.customer_id, "month": charge.month})
        deltas.add(charge.customer_id, charge.month, row.amount_minor, row.items)
    await repository.mark_counted(session, counted)


async def count_announced(session: AsyncSession, customers: Iterable[str], deltas: Deltas) -> None:
    """The registry announced these customers: their charges that waited for that count now, and then the
    corrections that waited for those charges."""
    waiting = await repository.waiting_charges_of(session, customers)
    await repository.mark_counted(
        session, [{"billing_id": row.billing_id, "customer_id": row.customer_id, "month": row.month} for row in waiting]
    )
    for row in waiting:
        deltas.add(row.customer_id, row.month, row.amount_minor, row.items)
    await count_corrections_of(session, [row.billing_id for row in waiting], deltas)


def charge_of(row: dict) -> Charge:
    return Charge(
        billing_id=row["billing_id"],
        customer_id=row["customer_id"],
        account_no=row["account_no"],
        amount_minor=row["amount_minor"],
        month=row["month"],
        counted=row["counted"],
        is_correction=row["corrects_billing_id"] is not None,
    )
