"""Move-out of a billing account, and what the registry tells about accounts and their holders."""

from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.billing_account import repository
from kam_registry.billing_account.exceptions import (
    AlreadyClosed,
    BillingAccountNotFound,
    MoveOutNotAfterLink,
    NotTheHolder,
)
from kam_registry.billing_account.models import BillingAccountLink
from kam_registry.billing_account.schemas import AccountHistory, CustomerAccounts, HoldingRead, MoveOut
from kam_registry.customer import repository as customers
from kam_registry.customer.exceptions import CustomerNotFound
from kam_shared.clock import Clock
from kam_shared.events.catalog import BillingAccountClosed
from kam_shared.messaging.outbox import Outbox


async def move_out(
    session: AsyncSession, *, customer_id: str, account_no: str, move_out_in: MoveOut, outbox: Outbox, clock: Clock
) -> AccountHistory:
    if await customers.get(session, customer_id) is None:
        raise CustomerNotFound(customer_id)
    current = await repository.get_for_update(session, account_no)
    if current is None:
        raise BillingAccountNotFound(account_no)
    if current.customer_id != customer_id:
        raise NotTheHolder(account_no, customer_id)
    if current.closed_on is not None:
        raise AlreadyClosed(account_no, current.closed_on)
    if move_out_in.effective_on <= current.effective_from:
        raise MoveOutNotAfterLink(account_no, current.effective_from)
    now = clock.now()
    await repository.close_open_link(session, account_no, move_out_in.effective_on)
    current.closed_on = move_out_in.effective_on
    await repository.add(session, current)
    await outbox.add(
        session,
        [
            BillingAccountClosed(
                customer_id=customer_id, account_no=account_no, effective_to=move_out_in.effective_on, closed_at=now
            )
        ],
    )
    return await history(session, account_no=account_no)


async def history(session: AsyncSession, *, account_no: str) -> AccountHistory:
    current = await repository.get(session, account_no)
    if current is None:
        raise BillingAccountNotFound(account_no)
    open_ = current.closed_on is None
    return AccountHistory(
        account_no=account_no,
        customer_id=current.customer_id if open_ else None,
        effective_from=current.effective_from if open_ else None,
        closed_on=current.closed_on,
        history=[_holding(link) for link in await repository.holdings_of_account(session, account_no)],
    )


async def accounts_of(session: AsyncSession, *, customer_id: str) -> CustomerAccounts:
    if await customers.get(session, customer_id) is None:
        raise CustomerNotFound(customer_id)
    return CustomerAccounts(
        items=[_holding(link) for link in await repository.holdings_of_customer(session, customer_id)]
    )


def _holding(link: BillingAccountLink) -> HoldingRead:
    return HoldingRead(
        account_no=link.account_no,
        customer_id=link.customer_id,
        effective_from=link.effective_from,
        effective_to=link.effective_to,
        linked_at=link.linked_at,
    )
