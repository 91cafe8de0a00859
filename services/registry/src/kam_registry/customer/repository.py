from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.customer.models import Customer


async def get(session: AsyncSession, customer_id: str) -> Customer | None:
    return await session.get(Customer, customer_id)


async def find_by_uscc(session: AsyncSession, uscc: str) -> Customer | None:
    return (await session.execute(select(Customer).where(Customer.uscc == uscc))).scalar_one_or_none()


async def add(session: AsyncSession, customer: Customer) -> None:
    session.add(customer)
    await session.flush()
