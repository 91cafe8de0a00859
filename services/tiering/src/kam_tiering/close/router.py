from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from kam_shared.auth import requires
from kam_shared.errors import error_responses
from kam_shared.http import SessionDep
from kam_tiering.close import repository
from kam_tiering.close.runner import MonthCloser
from kam_tiering.close.schemas import MonthCloseRead

router = APIRouter(prefix="/months", tags=["month close"], dependencies=[requires("reports:read", "admin")])

MonthPath = Annotated[str, Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


def _closer(request: Request) -> MonthCloser:
    return request.app.state.month_closer


@router.post("/{month}/close", response_model=MonthCloseRead, responses=error_responses(409, 422))
async def close_month(month: MonthPath, request: Request) -> MonthCloseRead:
    """Closes a month that has ended (Asia/Shanghai), or closes it again.

    Every customer's tier is decided on the 12 months ending with the month: a demotion after the policy's
    number of consecutive closes below the tier's bound, a promotion the figures reach. A close again
    recomputes from the ledger as it stands and announces only what differs. 409 for a month not ended yet,
    or while another close runs."""
    return MonthCloseRead.model_validate(await _closer(request).close(month))


@router.get("", response_model=list[MonthCloseRead], responses=error_responses(422))
async def list_months(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=240, description="at most this many, latest month first")] = 24,
) -> list[MonthCloseRead]:
    """The months closed, latest first, with what their latest close did."""
    return [MonthCloseRead.model_validate(row) for row in await repository.list_closes(session, limit=limit)]
