from typing import Annotated

from fastapi import APIRouter, Query, status

from kam_shared.auth import CurrentPrincipal, Principal, requires
from kam_shared.errors import error_responses
from kam_shared.http import ReadSessionDep, RuntimeDep, SessionDep
from kam_tiering.billing import intake, waiting_repository
from kam_tiering.billing.schemas import BatchResult, BillingBatch, WaitingAccount, WaitingBilling
from kam_tiering.deps import PolicyDep

router = APIRouter(tags=["billing"], dependencies=[requires(("billing:write", "customers:read"), "billing:write")])

Limit = Annotated[int, Query(ge=1, le=1000, description="at most this many groups, largest first")]


@router.post(
    "/billing-events",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=BatchResult,
    responses=error_responses(401, 413, 422),
)
async def post_billing_events(
    batch: BillingBatch, session: SessionDep, runtime: RuntimeDep, policy: PolicyDep, principal: CurrentPrincipal
) -> BatchResult:
    """Accepts up to 1,000 billing events.

    Each is accepted, a duplicate of one seen before with the same content, or rejected with its index and
    reason (a billing id seen before with other content is rejected as a conflict; the first version stands).
    A 422 means the request itself is not a batch: no events, more than 1,000, or not JSON."""
    return await intake.accept_batch(
        session,
        raw_events=batch.events,
        policy=policy,
        outbox=runtime.outbox,
        clock=runtime.clock,
        submitted_by=principal.key_id,
    )


@router.get("/billing-accounts/waiting", response_model=list[WaitingAccount], responses=error_responses(422))
async def waiting_accounts(
    session: ReadSessionDep, principal: CurrentPrincipal, limit: Limit = 100
) -> list[WaitingAccount]:
    """Billing posted to accounts no customer holds yet: it counts once the account is linked.

    A partner (`billing:write` alone) sees only the billing it posted itself; so does a caller of one org unit,
    whose customers this billing cannot be told to be of yet."""
    rows = await waiting_repository.waiting_by_account(session, limit, _visible(principal))
    return [WaitingAccount.model_validate(row._asdict()) for row in rows]


@router.get("/billing/waiting", response_model=list[WaitingBilling], responses=error_responses(422))
async def waiting_billing(
    session: ReadSessionDep, principal: CurrentPrincipal, limit: Limit = 100
) -> list[WaitingBilling]:
    """All billing that does not count yet, by reason: an unlinked account, a customer the registry has not
    announced, a correction waiting for its charge (or refused by it). Each counts once what it waits for
    arrives.

    A partner (`billing:write` alone) sees only the billing it posted itself; a caller of one org unit, that and
    the billing of its unit's customers."""
    rows = await waiting_repository.waiting_billing(session, limit, _visible(principal))
    return [WaitingBilling.model_validate(row._asdict()) for row in rows]


def _visible(principal: Principal) -> waiting_repository.Visible:
    return waiting_repository.Visible(
        submitted_by=principal.key_id, customers=principal.allows("customers:read"), unit=principal.limited_to
    )
