from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kam_service_desk.customer.models import Customer


async def get(session: AsyncSession, customer_id: str) -> Customer | None:
    return await session.get(Customer, customer_id)


async def get_for_update(session: AsyncSession, customer_id: str) -> Customer | None:
    return (
        await session.execute(select(Customer).where(Customer.customer_id == customer_id).with_for_update())
    ).scalar_one_or_none()


async def add(session: AsyncSession, customer: Customer) -> None:
    session.add(customer)
    await session.flush()
