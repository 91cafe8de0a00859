from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status

from kam_registry.customer import changes, listing, service
from kam_registry.customer.etag import etag_of, expected_version
from kam_registry.customer.repository import CustomerFilter
from kam_registry.customer.schemas import (
    CustomerCreate,
    CustomerPage,
    CustomerRead,
    CustomerUpdate,
    DuplicateConfirmation,
)
from kam_registry.manager import repository as managers
from kam_registry.scoping import OWN_CUSTOMER
from kam_registry.validation import CustomerId
from kam_shared.auth import CurrentPrincipal, requires
from kam_shared.errors import InvalidInput, error_responses
from kam_shared.events.catalog import TIERS, Tier
from kam_shared.http import ReadsDep, ReadSessionDep, RuntimeDep, SessionDep
from kam_shared.security.scoping import require_unit
from kam_shared.validation import NO_CONTROL_CHARACTERS

router = APIRouter(
    prefix="/customers", tags=["customers"], dependencies=[requires("customers:read", "customers:write")]
)

Code = Annotated[str | None, Query(min_length=1, max_length=50, pattern=NO_CONTROL_CHARACTERS)]


def duplicate_confirmation(
    force: Annotated[
        bool, Query(description="register (or rename) although another customer has the same normalised name")
    ] = False,
    reason: Annotated[
        str | None, Query(min_length=1, max_length=500, pattern=NO_CONTROL_CHARACTERS, description="why, with force")
    ] = None,
) -> DuplicateConfirmation:
    if force and not (reason and reason.strip()):
        raise InvalidInput("force=true needs a reason", field="reason")
    return DuplicateConfirmation(force=force, reason=reason.strip() if force and reason else None)


Confirmation = Annotated[DuplicateConfirmation, Depends(duplicate_confirmation)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CustomerRead, responses=error_responses(409, 422))
async def register_customer(
    customer_in: CustomerCreate,
    confirmation: Confirmation,
    session: SessionDep,
    runtime: RuntimeDep,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
) -> CustomerRead:
    await require_unit(request, principal, customer_in.branch, field="branch")
    customer = await service.register(
        session, customer_in=customer_in, confirmation=confirmation, outbox=runtime.outbox, clock=runtime.clock
    )
    response.headers["Location"] = str(request.url_for("get_customer", customer_id=customer.id))
    response.headers["ETag"] = etag_of(customer)
    return customer


@router.get("", response_model=CustomerPage, responses=error_responses(422))
async def list_customers(
    session: ReadSessionDep,
    principal: CurrentPrincipal,
    branch: Code = None,
    county: Code = None,
    industry: Code = None,
    important: bool | None = None,
    tier: Tier | None = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=100, pattern=NO_CONTROL_CHARACTERS, description="part of a name or USCC"),
    ] = None,
    cursor: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=listing.MAX_PAGE)] = listing.DEFAULT_PAGE,
    missing_manager: Annotated[
        Literal["a", "b"] | None,
        Query(description="only key accounts of VIP tier and above with nobody in this manager role"),
    ] = None,
) -> CustomerPage:
    where = CustomerFilter(
        branch=branch,
        county=county,
        industry=industry,
        important=important,
        tiers=_tiers(tier, missing_manager),
        q=q.strip() or None if q else None,
        unit=principal.limited_to,
    )
    extra = [managers.lacking(missing_manager)] if missing_manager else []
    return await listing.list_customers(session, where=where, cursor=cursor, limit=limit, extra=extra)


def _tiers(tier: Tier | None, missing_manager: str | None) -> list[str] | None:
    if missing_manager is None:
        return [tier] if tier else None
    # Only VIP and above must have both managers.
    must_have_both = TIERS[: TIERS.index("vip") + 1]
    return [tier] if tier in must_have_both else [] if tier else list(must_have_both)


@router.get(
    "/{customer_id}", response_model=CustomerRead, responses=error_responses(404, 422), dependencies=[OWN_CUSTOMER]
)
async def get_customer(customer_id: CustomerId, reads: ReadsDep, response: Response) -> CustomerRead:
    customer = await service.get(reads, customer_id=customer_id)
    response.headers["ETag"] = etag_of(customer)
    return customer


@router.patch(
    "/{customer_id}",
    response_model=CustomerRead,
    responses=error_responses(404, 409, 412, 422, 428),
    dependencies=[OWN_CUSTOMER],
)
async def change_customer(
    customer_id: CustomerId,
    customer_in: CustomerUpdate,
    confirmation: Confirmation,
    session: SessionDep,
    runtime: RuntimeDep,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    if_match: Annotated[
        str | None, Header(max_length=200, description="the ETag of the version the change was made on")
    ] = None,
) -> CustomerRead:
    if customer_in.branch is not None:
        await require_unit(request, principal, customer_in.branch, field="branch")
    customer = await changes.update(
        session,
        customer_id=customer_id,
        customer_in=customer_in,
        if_match=expected_version(if_match),
        confirmation=confirmation,
        outbox=runtime.outbox,
        clock=runtime.clock,
    )
    response.headers["ETag"] = etag_of(customer)
    return customer
