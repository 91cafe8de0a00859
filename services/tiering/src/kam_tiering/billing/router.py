from typing import Annotated

from fastapi import APIRouter, Query, status

from kam_shared.http import RuntimeDep, SessionDep
from kam_tiering.billing import repository, service
from kam_tiering.billing.schemas import BatchResult, BillingBatch, WaitingAccount
from kam_tiering.deps import PolicyDep

router = APIRouter(tags=["billing"])


@router.post("/billing-events", status_code=status.HTTP_202_ACCEPTED, response_model=BatchResult)
async def post_billing_events(
    batch: BillingBatch, session: SessionDep, runtime: RuntimeDep, policy: PolicyDep
) -> BatchResult:
    """Accepts up to 1,000 billing events.

    Each is accepted, a duplicate of one seen before, or rejected with its reason."""
    return await service.accept_batch(
        session, raw_events=batch.events, policy=policy, outbox=runtime.outbox, clock=runtime.clock
    )


@router.get("/billing-accounts/waiting", response_model=list[WaitingAccount])
async def waiting_accounts(
    session: SessionDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[WaitingAccount]:
    """Billing posted to accounts no customer holds yet: it counts once the account is linked."""
    rows = await repository.waiting_by_account(session, limit)
    return [WaitingAccount.model_validate(row._asdict()) for row in rows]
