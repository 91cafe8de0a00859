from fastapi import APIRouter

from kam_registry.group import service
from kam_registry.group.schemas import GroupRead, ParentUpdate
from kam_registry.scoping import OWN_CUSTOMER
from kam_registry.validation import CustomerId
from kam_shared.auth import CurrentPrincipal, requires
from kam_shared.errors import error_responses
from kam_shared.http import RuntimeDep, SessionDep

router = APIRouter(
    prefix="/customers/{customer_id}",
    tags=["groups"],
    dependencies=[requires("customers:read", "customers:write"), OWN_CUSTOMER],
)


@router.put("/parent", response_model=GroupRead, responses=error_responses(404, 409, 422))
async def set_parent(
    customer_id: CustomerId,
    parent_in: ParentUpdate,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
) -> GroupRead:
    return await service.set_parent(
        session,
        customer_id=customer_id,
        parent_in=parent_in,
        outbox=runtime.outbox,
        clock=runtime.clock,
        unit=principal.limited_to,
    )


@router.get("/group", response_model=GroupRead, responses=error_responses(404, 422))
async def get_group(customer_id: CustomerId, session: SessionDep, principal: CurrentPrincipal) -> GroupRead:
    return await service.group_of(session, customer_id=customer_id, unit=principal.limited_to)
