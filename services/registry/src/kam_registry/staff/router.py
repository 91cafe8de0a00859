from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status

from kam_registry.customer.etag import expected_version
from kam_registry.customer.listing import DEFAULT_PAGE, MAX_PAGE
from kam_registry.scoping import OWN_STAFF
from kam_registry.staff import service
from kam_registry.staff.schemas import StaffCreate, StaffPage, StaffRead, StaffUpdate
from kam_registry.validation import StaffId
from kam_shared.auth import CurrentPrincipal, requires
from kam_shared.errors import error_responses
from kam_shared.http import RuntimeDep, SessionDep
from kam_shared.security.scoping import require_unit
from kam_shared.validation import NO_CONTROL_CHARACTERS

router = APIRouter(prefix="/staff", tags=["staff"], dependencies=[requires("customers:read", "customers:write")])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=StaffRead, responses=error_responses(422))
async def register_staff(
    staff_in: StaffCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
) -> StaffRead:
    await require_unit(request, principal, staff_in.org_unit, field="org_unit")
    staff = await service.register(session, staff_in=staff_in, outbox=runtime.outbox, clock=runtime.clock)
    response.headers["Location"] = str(request.url_for("get_staff", staff_id=staff.id))
    response.headers["ETag"] = etag_of(staff)
    return staff


@router.get("", response_model=StaffPage, responses=error_responses(422))
async def list_staff(
    session: SessionDep,
    principal: CurrentPrincipal,
    org_unit: Annotated[str | None, Query(min_length=1, max_length=50, pattern=NO_CONTROL_CHARACTERS)] = None,
    level: Annotated[int | None, Query(ge=0, le=3)] = None,
    active: Annotated[bool | None, Query(description="true: those serving; false: those who have left")] = None,
    cursor: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
) -> StaffPage:
    return await service.list_staff(
        session,
        org_unit=org_unit,
        level=level,
        active=active,
        cursor=cursor,
        limit=limit,
        within_unit=principal.limited_to,
    )


@router.get("/{staff_id}", response_model=StaffRead, responses=error_responses(404, 422), dependencies=[OWN_STAFF])
async def get_staff(staff_id: StaffId, session: SessionDep, response: Response) -> StaffRead:
    staff = await service.get(session, staff_id=staff_id)
    response.headers["ETag"] = etag_of(staff)
    return staff


@router.patch(
    "/{staff_id}",
    response_model=StaffRead,
    responses=error_responses(404, 409, 412, 422, 428),
    dependencies=[OWN_STAFF],
)
async def change_staff(
    staff_id: StaffId,
    staff_in: StaffUpdate,
    session: SessionDep,
    runtime: RuntimeDep,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    if_match: Annotated[
        str | None, Header(max_length=200, description="the ETag of the version the change was made on")
    ] = None,
) -> StaffRead:
    if staff_in.org_unit is not None:
        # Nobody moves staff out of the units they see.
        await require_unit(request, principal, staff_in.org_unit, field="org_unit")
    staff = await service.change(
        session,
        staff_id=staff_id,
        staff_in=staff_in,
        if_match=expected_version(if_match),
        outbox=runtime.outbox,
        clock=runtime.clock,
    )
    response.headers["ETag"] = etag_of(staff)
    return staff


def etag_of(staff: StaffRead) -> str:
    return f'"{staff.version}"'
