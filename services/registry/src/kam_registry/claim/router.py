from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse

from kam_registry.claim import service
from kam_registry.claim.schemas import ClaimCreate, ClaimPage, ClaimRead, ClaimStatus, Ruling
from kam_registry.customer.listing import DEFAULT_PAGE, MAX_PAGE
from kam_registry.scoping import OWN_CLAIM
from kam_registry.validation import ClaimId
from kam_shared.auth import CurrentPrincipal, requires
from kam_shared.errors import error_responses, problem_response
from kam_shared.http import RuntimeDep, SessionDep
from kam_shared.security.scoping import require_unit
from kam_shared.validation import NO_CONTROL_CHARACTERS

router = APIRouter(
    prefix="/claims", tags=["development rights"], dependencies=[requires("customers:read", "customers:write")]
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimRead,
    responses={
        **error_responses(404, 409, 422),
        409: {
            **error_responses(409)[409],
            "description": "the unit already claims the organisation (nothing stored), or another unit holds it: "
            "the claim is then stored as a conflict waiting for a ruling, named by `claim_id` and `Location`",
        },
    },
)
async def file_claim(
    claim_in: ClaimCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
) -> ClaimRead | JSONResponse:
    await require_unit(request, principal, claim_in.unit, field="unit")
    claim = await service.file(session, claim_in=claim_in, clock=runtime.clock, unit=principal.limited_to)
    location = str(request.url_for("get_claim", claim_id=claim.id))
    if claim.status == "conflict":
        # Returned, not raised: the conflict is kept (the request's transaction commits) for the ruling.
        return problem_response(
            409,
            f"another unit holds the development right on this organisation (claim {claim.conflicts_with}); "
            f"this claim is recorded as {claim.id} and waits for a ruling",
            slug="conflict",
            headers={"Location": location},
            extensions={"claim_id": claim.id, "holding_claim_id": claim.conflicts_with, "claim_status": "conflict"},
        )
    response.headers["Location"] = location
    return claim


@router.post(
    "/{claim_id}/ruling", response_model=ClaimRead, responses=error_responses(404, 409, 422), dependencies=[OWN_CLAIM]
)
async def rule_on_claim(claim_id: ClaimId, ruling: Ruling, session: SessionDep, runtime: RuntimeDep) -> ClaimRead:
    return await service.rule(session, claim_id=claim_id, ruling=ruling, clock=runtime.clock)


@router.get("", response_model=ClaimPage, responses=error_responses(422))
async def list_claims(
    session: SessionDep,
    principal: CurrentPrincipal,
    status: ClaimStatus | None = None,
    unit: Annotated[str | None, Query(min_length=1, max_length=50, pattern=NO_CONTROL_CHARACTERS)] = None,
    cursor: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
) -> ClaimPage:
    return await service.list_claims(
        session, status=status, unit=unit, cursor=cursor, limit=limit, within_unit=principal.limited_to
    )


@router.get("/{claim_id}", response_model=ClaimRead, responses=error_responses(404, 422), dependencies=[OWN_CLAIM])
async def get_claim(claim_id: ClaimId, session: SessionDep) -> ClaimRead:
    return await service.get(session, claim_id=claim_id)
