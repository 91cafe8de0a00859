from fastapi import APIRouter, HTTPException, Response, status

from kam_registry.billing_account import service
from kam_registry.billing_account.exceptions import MoveNotAfterCurrentLink
from kam_registry.billing_account.schemas import BillingAccountLinkCreate, BillingAccountRead
from kam_registry.customer.exceptions import CustomerNotFound
from kam_shared.http import RuntimeDep, SessionDep

router = APIRouter(prefix="/customers/{customer_id}/billing-accounts", tags=["billing accounts"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=BillingAccountRead,
    responses={200: {"description": "already linked to this customer; nothing changed"}},
)
async def link_billing_account(
    customer_id: str, link_in: BillingAccountLinkCreate, session: SessionDep, runtime: RuntimeDep, response: Response
) -> BillingAccountRead:
    try:
        account, changed = await service.link(
            session, customer_id=customer_id, link_in=link_in, outbox=runtime.outbox, clock=runtime.clock
        )
    except CustomerNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from None
    except MoveNotAfterCurrentLink as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail={"field": "effective_from", "reason": str(exc)}) from None
    if not changed:
        response.status_code = status.HTTP_200_OK
    return account
