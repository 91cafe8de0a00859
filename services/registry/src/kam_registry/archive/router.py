from typing import Annotated

from fastapi import APIRouter, Query

from kam_registry.archive import service
from kam_registry.archive.policy import shipped
from kam_registry.archive.schemas import (
    ArchiveRead,
    BasicPart,
    CompetitorsPart,
    ExtendedPart,
    KeyPersonsPart,
    OverdueList,
)
from kam_registry.customer.listing import DEFAULT_PAGE, MAX_PAGE
from kam_registry.scoping import OWN_CUSTOMER
from kam_registry.validation import CustomerId
from kam_shared.auth import CurrentPrincipal, requires
from kam_shared.errors import error_responses
from kam_shared.http import RuntimeDep, SessionDep
from kam_shared.validation import NO_CONTROL_CHARACTERS

router = APIRouter(tags=["archives"], dependencies=[requires("customers:read", "customers:write")])
ARCHIVE = "/customers/{customer_id}/archive"


@router.get(ARCHIVE, response_model=ArchiveRead, responses=error_responses(404, 422), dependencies=[OWN_CUSTOMER])
async def get_archive(customer_id: CustomerId, session: SessionDep) -> ArchiveRead:
    return await service.archive_of(session, customer_id=customer_id, policy=shipped())


@router.put(
    f"{ARCHIVE}/basic", response_model=ArchiveRead, responses=error_responses(404, 422), dependencies=[OWN_CUSTOMER]
)
async def refresh_basic(
    customer_id: CustomerId, part_in: BasicPart, session: SessionDep, runtime: RuntimeDep
) -> ArchiveRead:
    return await service.refresh(
        session, customer_id=customer_id, part="basic", part_in=part_in, policy=shipped(), clock=runtime.clock
    )


@router.put(
    f"{ARCHIVE}/extended", response_model=ArchiveRead, responses=error_responses(404, 422), dependencies=[OWN_CUSTOMER]
)
async def refresh_extended(
    customer_id: CustomerId, part_in: ExtendedPart, session: SessionDep, runtime: RuntimeDep
) -> ArchiveRead:
    return await service.refresh(
        session, customer_id=customer_id, part="extended", part_in=part_in, policy=shipped(), clock=runtime.clock
    )


@router.put(
    f"{ARCHIVE}/key-persons",
    response_model=ArchiveRead,
    responses=error_responses(404, 422),
    dependencies=[OWN_CUSTOMER],
)
async def refresh_key_persons(
    customer_id: CustomerId, part_in: KeyPersonsPart, session: SessionDep, runtime: RuntimeDep
) -> ArchiveRead:
    return await service.refresh(
        session, customer_id=customer_id, part="key_persons", part_in=part_in, policy=shipped(), clock=runtime.clock
    )


@router.put(
    f"{ARCHIVE}/competitors",
    response_model=ArchiveRead,
    responses=error_responses(404, 422),
    dependencies=[OWN_CUSTOMER],
)
async def refresh_competitors(
    customer_id: CustomerId, part_in: CompetitorsPart, session: SessionDep, runtime: RuntimeDep
) -> ArchiveRead:
    return await service.refresh(
        session, customer_id=customer_id, part="competitors", part_in=part_in, policy=shipped(), clock=runtime.clock
    )


@router.get("/archives/overdue", response_model=OverdueList, responses=error_responses(422))
async def overdue_archives(
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    branch: Annotated[str | None, Query(min_length=1, max_length=50, pattern=NO_CONTROL_CHARACTERS)] = None,
    manager: Annotated[
        str | None, Query(min_length=1, max_length=36, pattern=NO_CONTROL_CHARACTERS, description="staff id (A or B)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
) -> OverdueList:
    return await service.overdue(
        session,
        branch=branch,
        manager=manager,
        limit=limit,
        policy=shipped(),
        clock=runtime.clock,
        unit=principal.limited_to,
    )
