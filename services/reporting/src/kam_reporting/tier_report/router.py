from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

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
