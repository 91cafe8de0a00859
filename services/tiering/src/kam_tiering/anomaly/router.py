from typing import Annotated

from fastapi import APIRouter, Query

from kam_shared.auth import CurrentPrincipal, requires
from kam_shared.errors import error_responses
from kam_shared.events.catalog import AnomalyKind
from kam_shared.http import SessionDep
from kam_tiering.anomaly import reading
from kam_tiering.anomaly.schemas import AnomalyPage

router = APIRouter(prefix="/anomalies", tags=["anomalies"], dependencies=[requires("reports:read")])

MONTH_PATTERN = r"^(20\d\d|2100)-(0[1-9]|1[0-2])$"
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"


@router.get("", response_model=AnomalyPage, responses=error_responses(422))
async def list_anomalies(
    session: SessionDep,
    principal: CurrentPrincipal,
    month: Annotated[str, Query(pattern=MONTH_PATTERN, description="YYYY-MM, the month closed (2000..2100)")],
    branch: Annotated[str | None, Query(min_length=1, max_length=50, pattern=NO_CONTROL_CHARACTERS)] = None,
    kind: AnomalyKind | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=500, description="next_cursor of the previous page")] = None,
) -> AnomalyPage:
    """The anomalies found when the month was closed, by customer id; a re-close updates them in place."""
    return await reading.list_anomalies(
        session, month=month, branch=branch, kind=kind, cursor=cursor, limit=limit, unit=principal.limited_to
    )
