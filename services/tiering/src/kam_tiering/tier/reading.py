"""What the tier and revenue views show of one customer: tiering's own figures, for customers it knows."""

from datetime import date

from kam_shared.clock import add_months
from kam_shared.errors import FieldError, InvalidInput, NotFound
from kam_shared.events.catalog import FIRST_BUSINESS_YEAR, LAST_BUSINESS_YEAR
from kam_shared.reads import Reads
from kam_tiering.billing import repository as ledger
from kam_tiering.billing.schemas import MonthRevenue, RevenueSeries
from kam_tiering.override.reading import with_override
from kam_tiering.tier import repository
from kam_tiering.tier.policy import Policy
from kam_tiering.tier.schemas import TierRead

# A series is at most ten years: one entry is built for every month of the range.
MAX_MONTHS = 120
FIRST_MONTH = f"{FIRST_BUSINESS_YEAR:04d}-01"
LAST_MONTH = f"{LAST_BUSINESS_YEAR:04d}-12"


async def tier_of(reads: Reads, customer_id: str, *, policy: Policy, today: date) -> TierRead:
    found = await repository.tier_view(reads, customer_id, today)
    if found is not None:
        state, override = found
        return with_override(TierRead.model_validate(state), override)
    await known(reads, customer_id)
    return TierRead(
        customer_id=customer_id,
        tier="standard",
        qualified=False,
        reasons=[],
        revenue_12m_minor=0,
        currency=policy.currency,
        since=None,
        policy_id=policy.id,
        policy_version=policy.version,
        evaluated_at=None,
    )


async def revenue_of(
    reads: Reads,
    customer_id: str,
    *,
    from_month: str | None,
    to_month: str | None,
    current_month: str,
    policy: Policy,
) -> RevenueSeries:
    """One entry per month of the range, zero where nothing counts; the range is checked before anything is read."""
    from_month, to_month = month_range(from_month, to_month, current_month)
    found = {row["month"]: row for row in await ledger.series(reads, customer_id, from_month, to_month)}
    if not found:
        await known(reads, customer_id)
    months = []
    month = from_month
    while month <= to_month:
        row = found.get(month)
        months.append(
            MonthRevenue(
                month=month,
                amount_minor=row["amount_minor"] if row else 0,
                items=row["items"] if row else 0,
                lines=row["lines"] if row else 0,
                currency=row["currency"] if row else policy.currency,
            )
        )
        month = add_months(month, 1)
    return RevenueSeries(
        customer_id=customer_id,
        from_month=from_month,
        to_month=to_month,
        months=months,
        total_minor=sum(entry.amount_minor for entry in months),
        currency=policy.currency,
    )


def month_range(from_month: str | None, to_month: str | None, current_month: str) -> tuple[str, str]:
    """The months asked for (YYYY-MM, already well-formed), defaulted and bounded: years the ledger keeps, `from`
    not after `to`, at most MAX_MONTHS months."""
    errors = [
        FieldError(name, f"{value} lies outside {FIRST_MONTH}..{LAST_MONTH}")
        for name, value in (("from", from_month), ("to", to_month))
        if value is not None and not FIRST_MONTH <= value <= LAST_MONTH
    ]
    if errors:
        raise InvalidInput("the range lies outside the years the ledger keeps", errors=errors)
    to_month = to_month or min(current_month, LAST_MONTH)
    from_month = from_month or max(add_months(to_month, -11), FIRST_MONTH)
    if from_month > to_month:
        raise InvalidInput(f"from ({from_month}) is after to ({to_month})", field="from")
    if _months_between(from_month, to_month) >= MAX_MONTHS:
        raise InvalidInput(f"the range covers more than {MAX_MONTHS} months", field="from")
    return from_month, to_month


async def known(reads: Reads, customer_id: str) -> None:
    # Only customers the registry announced are known: billing naming any other id waits and decides nothing.
    if not await repository.is_known(reads, customer_id):
        raise NotFound(f"customer {customer_id} is not known to tiering")


def _months_between(first: str, last: str) -> int:
    return (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7])
