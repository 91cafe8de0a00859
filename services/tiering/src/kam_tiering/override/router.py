from typing import Annotated

from fastapi import APIRouter, Body, Path, status

from kam_shared.auth import CurrentPrincipal, requires
from kam_shared.errors import error_responses
from kam_shared.http import RuntimeDep, SessionDep
from kam_tiering.deps import PolicyDep
from kam_tiering.override import reading, service
from kam_tiering.override.schemas import OverrideHistory, OverrideRead, OverrideWrite
from kam_tiering.scoping import own_customer

router = APIRouter(
    prefix="/customers/{customer_id}/tier-override",
    tags=["tier overrides"],
    dependencies=[requires("customers:read", "customers:write")],
)

CustomerId = Annotated[str, Path(min_length=1, max_length=36, description="the registry's customer id")]
KNOWN, IN_FORCE, ANY = (
    own_customer(detail)
    for detail in ("is not known to tiering", "has no tier override in force", "has no tier override")
)


@router.put("", response_model=OverrideRead, responses=error_responses(404, 422), dependencies=[KNOWN])
async def put_override(
    customer_id: CustomerId,
    override_in: Annotated[OverrideWrite, Body()],
    session: SessionDep,
    runtime: RuntimeDep,
    policy: PolicyDep,
    principal: CurrentPrincipal,
) -> OverrideRead:
    """Sets (or replaces) the customer's tier until `expires_on`, with the reason; announced as tier.changed."""
    return await service.apply(
        session,
        customer_id=customer_id,
        override_in=override_in,
        by=principal.key_id,
        policy=policy,
        outbox=runtime.outbox,
        clock=runtime.clock,
    )


@router.get("", response_model=OverrideRead, responses=error_responses(404, 422), dependencies=[IN_FORCE])
async def get_override(customer_id: CustomerId, session: SessionDep, runtime: RuntimeDep) -> OverrideRead:
    """The override in force; 404 when there is none."""
    return await service.current(session, customer_id=customer_id, clock=runtime.clock)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(404, 422), dependencies=[ANY])
async def delete_override(
    customer_id: CustomerId, session: SessionDep, runtime: RuntimeDep, policy: PolicyDep, principal: CurrentPrincipal
) -> None:
    """Lifts the override: the earned tier is in force again, announced as tier.changed."""
    await service.lift(
        session,
        customer_id=customer_id,
        by=principal.key_id,
        policy=policy,
        outbox=runtime.outbox,
        clock=runtime.clock,
    )


@router.get("/history", response_model=OverrideHistory, responses=error_responses(404, 422), dependencies=[KNOWN])
async def get_override_history(customer_id: CustomerId, session: SessionDep) -> OverrideHistory:
    """Every override applied, lifted or expired for the customer, oldest first."""
    return await reading.history(session, customer_id)
