from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.billing_account import repository
from kam_registry.billing_account.exceptions import (
    AlreadyLinkedFromAnotherDate,
    BillingAccountNotFound,
    HeldUntil,
    MoveNotAfterCurrentLink,
)
from kam_registry.billing_account.models import BillingAccount, BillingAccountLink
from kam_registry.billing_account.schemas import BillingAccountLinkCreate, BillingAccountRead
from kam_registry.customer import repository as customers
from kam_registry.customer.exceptions import CustomerNotFound
from kam_shared.clock import Clock
from kam_shared.events.catalog import BillingAccountLinked
from kam_shared.messaging.outbox import Outbox
from kam_shared.security.principal import unit_covers


async def link(
    session: AsyncSession,
    *,
    customer_id: str,
    link_in: BillingAccountLinkCreate,
    outbox: Outbox,
    clock: Clock,
    unit: str | None = None,
) -> tuple[BillingAccountRead, bool]:
    """Links the account to the customer, moving it in from its current holder if it has one.

    Returns the link and whether anything changed: linking an account to the customer that already holds it,
    from the same date, is a no-op, so a client may safely retry. From another date it is a conflict: a
    changed date would re-attribute billing already counted, which the link event cannot express.

    A caller confined to `unit` moves in only an account its unit holds (or last held): another unit's is not
    found, as when it reads it."""
    if await customers.get(session, customer_id) is None:
        raise CustomerNotFound(customer_id)
    now = clock.now()
    current = await repository.get_for_update(session, link_in.account_no)
    previous_customer_id = None
    if current is not None and unit is not None:
        holder = await customers.get(session, current.customer_id)
        if not unit_covers(unit, holder.branch if holder else None):
            raise BillingAccountNotFound(link_in.account_no)
    if current is not None and current.closed_on is not None:
        # Moved out: nobody holds it, and a new holding starts no earlier than the day the last one ended.
        if link_in.effective_from < current.closed_on:
            raise HeldUntil(link_in.account_no, current.customer_id, current.closed_on)
        previous_customer_id = current.customer_id if current.customer_id != customer_id else None
        current.customer_id = customer_id
        current.effective_from = link_in.effective_from
        current.linked_at = now
        current.closed_on = None
    elif current is not None:
        if current.customer_id == customer_id:
            if link_in.effective_from != current.effective_from:
                raise AlreadyLinkedFromAnotherDate(link_in.account_no, customer_id, current.effective_from)
            return _read(current), False
        if link_in.effective_from <= current.effective_from:
            raise MoveNotAfterCurrentLink(link_in.account_no, current.effective_from)
        previous_customer_id = current.customer_id
        await repository.close_open_link(session, link_in.account_no, link_in.effective_from)
        current.customer_id = customer_id
        current.effective_from = link_in.effective_from
        current.linked_at = now
    else:
        current = BillingAccount(
            account_no=link_in.account_no, customer_id=customer_id, effective_from=link_in.effective_from, linked_at=now
        )
        try:
            async with session.begin_nested():
                await repository.add(session, current)
        except IntegrityError:
            # Linked at the same moment by another request: decide again against the link it stored.
            return await link(session, customer_id=customer_id, link_in=link_in, outbox=outbox, clock=clock, unit=unit)
    await repository.add(
        session,
        current,
        BillingAccountLink(
            account_no=link_in.account_no, customer_id=customer_id, effective_from=link_in.effective_from, linked_at=now
        ),
    )
    await outbox.add(
        session,
        [
            BillingAccountLinked(
                customer_id=customer_id,
                account_no=link_in.account_no,
                effective_from=link_in.effective_from,
                previous_customer_id=previous_customer_id,
                linked_at=now,
            )
        ],
    )
    return _read(current, previous_customer_id), True


def _read(account: BillingAccount, previous_customer_id: str | None = None) -> BillingAccountRead:
    return BillingAccountRead(
        account_no=account.account_no,
        customer_id=account.customer_id,
        effective_from=account.effective_from,
        linked_at=account.linked_at,
        previous_customer_id=previous_customer_id,
    )
