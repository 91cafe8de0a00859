from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from kam_service_desk.customer.models import Customer
from kam_shared.reads import Reads

# A row whose registration has not arrived only holds tier facts for later: it is not a customer yet.
_REGISTERED = Customer.registered_at.is_not(None)  # type: ignore[union-attr]
_customers = Customer.__table__
_BRANCH_BY_ID = select(_customers.c.branch).where(
    _customers.c.customer_id == bindparam("customer_id"), _customers.c.registered_at.is_not(None)
)


async def branch_of(reads: Reads, customer_id: str) -> str | None:
    """The branch of a customer the desk serves; None for one it does not know (or knows only a tier of)."""
    row = await reads.one(_BRANCH_BY_ID, customer_id=customer_id)
    return row["branch"] if row else None


async def get_registered(session: AsyncSession, customer_id: str) -> Customer | None:
    query = select(Customer).where(Customer.customer_id == customer_id, _REGISTERED)
    return (await session.execute(query)).scalar_one_or_none()


async def get_registered_for_share(session: AsyncSession, customer_id: str) -> Customer | None:
    """The customer, locked against a tier change until this transaction ends; other readers are not blocked.

    PostgreSQL's FOR SHARE waits for a tier change holding FOR UPDATE and then reads the row it committed."""
    query = (
        select(Customer)
        .where(Customer.customer_id == customer_id, _REGISTERED)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def get_for_update(session: AsyncSession, customer_id: str) -> Customer | None:
    """The row, registered or only holding early tier facts, locked until this transaction ends."""
    return (
        await session.execute(select(Customer).where(Customer.customer_id == customer_id).with_for_update())
    ).scalar_one_or_none()


async def add(session: AsyncSession, customer: Customer) -> None:
    session.add(customer)
    await session.flush()
