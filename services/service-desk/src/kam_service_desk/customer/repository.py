from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kam_service_desk.customer.models import Customer


async def get(session: AsyncSession, customer_id: str) -> Customer | None:
    return await session.get(Customer, customer_id)


async def get_for_update(session: AsyncSession, customer_id: str) -> Customer | None:
    return (
        await session.execute(select(Customer).where(Customer.customer_id == customer_id).with_for_update())
    ).scalar_one_or_none()


async def get_for_share(session: AsyncSession, customer_id: str) -> Customer | None:
    """The customer, locked against a tier change until this transaction ends; other readers are not blocked.

    PostgreSQL's FOR SHARE waits for a tier change holding FOR UPDATE and then reads the row it committed."""
    query = (
        select(Customer)
        .where(Customer.customer_id == customer_id)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def add(session: AsyncSession, customer: Customer) -> None:
    session.add(customer)
    await session.flush()
