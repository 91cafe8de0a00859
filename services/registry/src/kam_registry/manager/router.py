from fastapi import APIRouter

from kam_registry.manager import service
from kam_registry.manager.schemas import ManagedCustomers, ManagersRead, ManagersUpdate
from kam_registry.scoping import OWN_CUSTOMER, OWN_STAFF
from kam_registry.validation import CustomerId, StaffId
from kam_shared.auth import CurrentPrincipal, requires
from kam_shared.errors import error_responses
from kam_shared.http import RuntimeDep, SessionDep

router = APIRouter(tags=["account managers"], dependencies=[requires("customers:read", "customers:write")])


@router.put(
    "/customers/{customer_id}/managers",
    response_model=ManagersRead,
    responses=error_responses(404, 422),
    dependencies=[OWN_CUSTOMER],
)
async def assign_managers(
    customer_id: CustomerId,
    managers_in: ManagersUpdate,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
) -> ManagersRead:
    return await service.assign(
        session,
        customer_id=customer_id,
        managers_in=managers_in,
        outbox=runtime.outbox,
        clock=runtime.clock,
        unit=principal.limited_to,
    )


@router.get(
    "/customers/{customer_id}/managers",
    response_model=ManagersRead,
    responses=error_responses(404, 422),
    dependencies=[OWN_CUSTOMER],
)
async def get_managers(customer_id: CustomerId, session: SessionDep) -> ManagersRead:
    return await service.managers_of(session, customer_id=customer_id)


@router.get(
    "/managers/{staff_id}/customers",
    response_model=ManagedCustomers,
    responses=error_responses(404, 422),
    dependencies=[OWN_STAFF],
)
async def customers_of_manager(staff_id: StaffId, session: SessionDep, principal: CurrentPrincipal) -> ManagedCustomers:
    return await service.customers_managed_by(session, staff_id=staff_id, unit=principal.limited_to)
