from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from kam_reporting.group_report import service as group_service
from kam_reporting.group_report.schemas import GroupReport
from kam_reporting.tier_report import service
from kam_reporting.tier_report.schemas import TierReport
from kam_shared.auth import CurrentPrincipal, requires
from kam_shared.errors import error_responses
from kam_shared.http import ReadSessionDep

router = APIRouter(prefix="/reports", tags=["reports"], dependencies=[requires("reports:read")])

# Printable, any script: PostgreSQL text cannot hold NUL, and no org unit code holds a control character.
BRANCH = r"^[^\x00-\x1f\x7f]+$"


@router.get(
    "/tiers",
    response_model=TierReport,
    responses={
        200: {"content": {"text/csv": {}}, "description": "the report, as JSON or, with format=csv, as CSV"},
        **error_responses(409, 422),
    },
)
async def get_tier_report(
    session: ReadSessionDep,
    principal: CurrentPrincipal,
    output: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
    branch: Annotated[
        str | None, Query(min_length=1, max_length=50, pattern=BRANCH, description="org unit code")
    ] = None,
) -> TierReport | Response:
    # A caller of one org unit gets the report of its unit: other branches' customers are not counted.
    report = await service.tier_report(session, branch=branch, unit=principal.limited_to)
    if output == "csv":
        return Response(
            service.to_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="tier-report.csv"'},
        )
    return report


@router.get(
    "/groups",
    response_model=GroupReport,
    responses={
        200: {"content": {"text/csv": {}}, "description": "the report, as JSON or, with format=csv, as CSV"},
        **error_responses(409, 422),
    },
)
async def get_group_report(
    session: ReadSessionDep,
    principal: CurrentPrincipal,
    output: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
    branch: Annotated[
        str | None, Query(min_length=1, max_length=50, pattern=BRANCH, description="org unit code of the head")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="how many groups to list")] = 100,
) -> GroupReport | Response:
    """Customer groups by their head, the whole group's trailing-12-month revenue rolled up along parents."""
    # A caller of one org unit sees the groups whose head belongs to its unit.
    report = await group_service.group_report(session, branch=branch, unit=principal.limited_to, limit=limit)
    if output == "csv":
        return Response(
            group_service.to_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="group-report.csv"'},
        )
    return report
