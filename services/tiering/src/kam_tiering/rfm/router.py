from typing import Annotated

from fastapi import APIRouter, Path, Query

from kam_shared.auth import CurrentPrincipal, requires
from kam_shared.errors import InvalidInput, error_responses
from kam_shared.http import SessionDep
from kam_tiering.anomaly.router import MONTH_PATTERN, NO_CONTROL_CHARACTERS
from kam_tiering.deps import PolicyDep
from kam_tiering.rfm import reading
from kam_tiering.rfm.policy import rfm_policy
from kam_tiering.rfm.schemas import RfmPage, RfmRead
from kam_tiering.scoping import own_customer

router = APIRouter(tags=["rfm"], dependencies=[requires(("reports:read", "customers:read"))])

Month = Annotated[
    str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM, a closed month; the latest scored by default")
]


CustomerId = Annotated[str, Path(min_length=1, max_length=36, description="the registry's customer id")]


@router.get(
    "/customers/{customer_id}/rfm",
    response_model=RfmRead,
    responses=error_responses(404, 422),
    dependencies=[own_customer("has no RFM score")],
)
async def get_rfm(
    customer_id: CustomerId,
    session: SessionDep,
    month: Month = None,
) -> RfmRead:
    """The customer's recency, frequency and monetary figures, their 1-5 quintile scores and its segment."""
    return await reading.rfm_of(session, customer_id, month=month)


@router.get("/rfm", response_model=RfmPage, responses=error_responses(422))
async def list_rfm(
    session: SessionDep,
    principal: CurrentPrincipal,
    month: Month = None,
    segment: Annotated[str | None, Query(min_length=1, max_length=50, pattern=NO_CONTROL_CHARACTERS)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=500, description="next_cursor of the previous page")] = None,
    *,
    policy: PolicyDep,
) -> RfmPage:
    """Scored customers of a month by customer id, optionally of one segment of the policy in force (champion,
    loyal, at_risk, ...); a segment the policy does not name is a 422 listing those it does."""
    names = [rule.name for rule in rfm_policy(policy).segments]
    if segment is not None and segment not in names:
        raise InvalidInput(f"segment is one of {', '.join(names)}", field="segment")
    return await reading.list_scores(
        session, month=month, segment=segment, cursor=cursor, limit=limit, unit=principal.limited_to
    )
