from typing import Annotated

from fastapi import APIRouter, Query

from kam_shared.auth import requires
from kam_shared.clock import business_today, month_key
from kam_shared.errors import error_responses
from kam_shared.http import ReadsDep, RuntimeDep
from kam_tiering.deps import PolicyDep
from kam_tiering.group import service
from kam_tiering.group.schemas import GroupRevenue
from kam_tiering.scoping import OWN_CUSTOMER
from kam_tiering.tier.router import CustomerId, Month

router = APIRouter(
    prefix="/customers/{customer_id}", tags=["groups"], dependencies=[requires("customers:read"), OWN_CUSTOMER]
)

MAX_MEMBERS = 500


@router.get("/group-revenue", response_model=GroupRevenue, responses=error_responses(404, 422))
async def get_group_revenue(
    customer_id: CustomerId,
    reads: ReadsDep,
    runtime: RuntimeDep,
    policy: PolicyDep,
    from_month: Annotated[Month, Query(alias="from")] = None,
    to_month: Annotated[Month, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_MEMBERS, description="how many members to list")] = 50,
) -> GroupRevenue:
    """The customer's revenue rolled up over its group: itself and every subsidiary below it, as the registry's
    `customer.group_changed` events placed them. Months as in `/revenue`; members with the most revenue first."""
    return await service.group_revenue_of(
        reads,
        customer_id,
        from_month=from_month,
        to_month=to_month,
        current_month=month_key(business_today(runtime.clock)),
        limit=limit,
        policy=policy,
    )
