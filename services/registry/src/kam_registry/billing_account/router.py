from fastapi import APIRouter, Response, status

from kam_registry.billing_account import service
from kam_registry.billing_account.schemas import BillingAccountLinkCreate, BillingAccountRead
from kam_registry.customer.router import CustomerId
from kam_shared.errors import error_responses
from kam_shared.http import RuntimeDep, SessionDep

router = APIRouter(prefix="/customers/{customer_id}/billing-accounts", tags=["billing accounts"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=BillingAccountRead,
    responses={
        200: {"description": "already linked to this customer; nothing changed"},
        **error_responses(404, 409, 422),
    },
)
async def link_billing_account(
    customer_id: CustomerId,
    link_in: BillingAccountLinkCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    response: Response,
) -> BillingAccountRead:
    account, changed = await service.link(
        session, customer_id=customer_id, link_in=link_in, outbox=runtime.outbox, clock=runtime.clock
    )
    if not changed:
        response.status_code = status.HTTP_200_OK
    return account
