from fastapi import APIRouter, Response, status

from kam_registry.billing_account import moves, service
from kam_registry.billing_account.schemas import (
    AccountHistory,
    BillingAccountLinkCreate,
    BillingAccountRead,
    CustomerAccounts,
    MoveOut,
)
from kam_registry.scoping import OWN_ACCOUNT, OWN_CUSTOMER
from kam_registry.validation import AccountNoPath, CustomerId
from kam_shared.auth import CurrentPrincipal, requires
from kam_shared.errors import error_responses
from kam_shared.http import RuntimeDep, SessionDep

router = APIRouter(
    prefix="/customers/{customer_id}/billing-accounts",
    tags=["billing accounts"],
    dependencies=[requires("customers:read", "customers:write"), OWN_CUSTOMER],
)
accounts_router = APIRouter(
    prefix="/billing-accounts", tags=["billing accounts"], dependencies=[requires("customers:read", "customers:write")]
)


@router.get("", response_model=CustomerAccounts, responses=error_responses(404, 422))
async def list_billing_accounts(customer_id: CustomerId, session: SessionDep) -> CustomerAccounts:
    return await moves.accounts_of(session, customer_id=customer_id)


@router.post(
    "/{account_no:path}/move-out",
    response_model=AccountHistory,
    responses=error_responses(404, 409, 422),
    dependencies=[OWN_ACCOUNT],
)
async def move_out_billing_account(
    customer_id: CustomerId, account_no: AccountNoPath, move_out_in: MoveOut, session: SessionDep, runtime: RuntimeDep
) -> AccountHistory:
    return await moves.move_out(
        session,
        customer_id=customer_id,
        account_no=account_no,
        move_out_in=move_out_in,
        outbox=runtime.outbox,
        clock=runtime.clock,
    )


@accounts_router.get(
    "/{account_no:path}", response_model=AccountHistory, responses=error_responses(404, 422), dependencies=[OWN_ACCOUNT]
)
async def get_billing_account(account_no: AccountNoPath, session: SessionDep) -> AccountHistory:
    return await moves.history(session, account_no=account_no)


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
    principal: CurrentPrincipal,
) -> BillingAccountRead:
    account, changed = await service.link(
        session,
        customer_id=customer_id,
        link_in=link_in,
        outbox=runtime.outbox,
        clock=runtime.clock,
        unit=principal.limited_to,
    )
    if not changed:
        response.status_code = status.HTTP_200_OK
    return account
