from typing import Annotated

from fastapi import APIRouter, Path, Query

from kam_shared.auth import requires
from kam_shared.clock import business_today, month_key
from kam_shared.errors import error_responses
from kam_shared.events.catalog import FIRST_BUSINESS_YEAR, LAST_BUSINESS_YEAR
from kam_shared.http import ReadsDep, RuntimeDep
from kam_shared.validation import NO_CONTROL_CHARACTERS
from kam_tiering.billing.schemas import RevenueSeries
from kam_tiering.deps import PolicyDep
from kam_tiering.scoping import OWN_CUSTOMER
from kam_tiering.tier import reading
from kam_tiering.tier.schemas import TierRead

router = APIRouter(
    prefix="/customers/{customer_id}", tags=["tiers"], dependencies=[requires("customers:read"), OWN_CUSTOMER]
)

CustomerId = Annotated[
    str, Path(min_length=1, max_length=36, pattern=NO_CONTROL_CHARACTERS, description="the registry's customer id")
]
Month = Annotated[
    str | None,
    Query(
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description=f"YYYY-MM, a month of the years {FIRST_BUSINESS_YEAR}..{LAST_BUSINESS_YEAR}",
    ),
]


@router.get("/tier", response_model=TierRead, responses=error_responses(404, 422))
async def get_tier(customer_id: CustomerId, reads: ReadsDep, runtime: RuntimeDep, policy: PolicyDep) -> TierRead:
    """The customer's tier with its reasons (a tier override in force wins); 404 for an id the registry has not
    announced."""
    return await reading.tier_of(reads, customer_id, policy=policy, today=business_today(runtime.clock))


@router.get("/revenue", response_model=RevenueSeries, responses=error_responses(404, 422))
async def get_revenue(
    customer_id: CustomerId,
    reads: ReadsDep,
    runtime: RuntimeDep,
    policy: PolicyDep,
    from_month: Annotated[Month, Query(alias="from")] = None,
    to_month: Annotated[Month, Query(alias="to")] = None,
) -> RevenueSeries:
    """Monthly revenue, one entry per month in the range (months without billing show zero).

    `to` defaults to the current month, `from` to eleven months before `to`; a range covers at most 120 months
    of the years 2000..2100."""
    return await reading.revenue_of(
        reads,
        customer_id,
        from_month=from_month,
        to_month=to_month,
        current_month=month_key(business_today(runtime.clock)),
        policy=policy,
    )
