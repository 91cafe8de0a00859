from typing import Annotated

from fastapi import APIRouter, Query

from kam_shared.clock import add_months, business_today, month_key
from kam_shared.errors import FieldError, InvalidInput, NotFound, error_responses
from kam_shared.events.catalog import FIRST_BUSINESS_YEAR, LAST_BUSINESS_YEAR
from kam_shared.http import RuntimeDep, SessionDep
from kam_tiering.billing import repository as ledger
from kam_tiering.billing.schemas import MonthRevenue, RevenueSeries
from kam_tiering.deps import PolicyDep
from kam_tiering.tier import repository
from kam_tiering.tier.schemas import TierRead

router = APIRouter(prefix="/customers/{customer_id}", tags=["tiers"])

Month = Annotated[
    str | None,
    Query(
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description=f"YYYY-MM, a month of the years {FIRST_BUSINESS_YEAR}..{LAST_BUSINESS_YEAR}",
    ),
]
# A series is at most ten years: one row per month is built for every month of the range.
MAX_MONTHS = 120
FIRST_MONTH = f"{FIRST_BUSINESS_YEAR:04d}-01"
LAST_MONTH = f"{LAST_BUSINESS_YEAR:04d}-12"


@router.get("/tier", response_model=TierRead, responses=error_responses(404))
async def get_tier(customer_id: str, session: SessionDep, policy: PolicyDep) -> TierRead:
    state = await repository.get_state(session, customer_id)
    if state is not None:
        return TierRead.model_validate(state)
    if not await repository.known_customer(session, customer_id):
        raise NotFound(f"customer {customer_id} is not known to tiering")
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


@router.get("/revenue", response_model=RevenueSeries, responses=error_responses(404, 422))
async def get_revenue(
    customer_id: str,
    session: SessionDep,
    runtime: RuntimeDep,
    policy: PolicyDep,
    from_month: Annotated[Month, Query(alias="from")] = None,
    to_month: Annotated[Month, Query(alias="to")] = None,
) -> RevenueSeries:
    """Monthly revenue, one entry per month in the range (months without billing show zero).

    `to` defaults to the current month, `from` to eleven months before `to`; a range covers at most 120 months."""
    from_month, to_month = _range(from_month, to_month, month_key(business_today(runtime.clock)))
    if await repository.get_state(session, customer_id) is None and not await repository.known_customer(
        session, customer_id
    ):
        raise NotFound(f"customer {customer_id} is not known to tiering")
    found = {row.month: row for row in await ledger.series(session, customer_id, from_month, to_month)}
    months = []
    month = from_month
    while month <= to_month:
        row = found.get(month)
        months.append(
            MonthRevenue(
                month=month,
                amount_minor=row.amount_minor if row else 0,
                items=row.items if row else 0,
                lines=row.lines if row else 0,
                currency=row.currency if row else policy.currency,
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


def _range(from_month: str | None, to_month: str | None, current: str) -> tuple[str, str]:
    errors = [
        FieldError(name, f"{value} lies outside {FIRST_MONTH}..{LAST_MONTH}")
        for name, value in (("from", from_month), ("to", to_month))
        if value is not None and not FIRST_MONTH <= value <= LAST_MONTH
    ]
    if errors:
        raise InvalidInput("the range lies outside the years the ledger keeps", errors=errors)
    to_month = to_month or min(current, LAST_MONTH)
    from_month = from_month or max(add_months(to_month, -11), FIRST_MONTH)
    if from_month > to_month:
        raise InvalidInput(f"from ({from_month}) is after to ({to_month})", field="from")
    if _months_between(from_month, to_month) >= MAX_MONTHS:
        raise InvalidInput(f"the range covers more than {MAX_MONTHS} months", field="from")
    return from_month, to_month


def _months_between(first: str, last: str) -> int:
    return (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7])
