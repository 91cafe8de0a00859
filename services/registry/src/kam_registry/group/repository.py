from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.customer.models import Customer
from kam_shared.security.scoping import within


async def parent_of(session: AsyncSession, customer_id: str) -> tuple[str, str | None] | None:
    row = (
        await session.execute(select(Customer.full_name, Customer.parent_id).where(Customer.id == customer_id))
    ).first()
    return (row.full_name, row.parent_id) if row else None


async def subsidiaries(session: AsyncSession, customer_id: str, *, unit: str | None = None) -> list[tuple[str, str]]:
    query = (
        select(Customer.id, Customer.full_name)
        .where(Customer.parent_id == customer_id, within(Customer.branch, unit))
        .order_by(Customer.id)
    )
    return [(row.id, row.full_name) for row in await session.execute(query)]


async def ids_within(session: AsyncSession, customer_ids: set[str], unit: str) -> set[str]:
    if not customer_ids:
        return set()
    query = select(Customer.id).where(Customer.id.in_(customer_ids), within(Customer.branch, unit))
    return set((await session.execute(query)).scalars())


async def set_parent(session: AsyncSession, customer_id: str, parent_id: str | None) -> None:
    await session.execute(
        update(Customer)
        .where(Customer.id == customer_id)
        .values(parent_id=parent_id)
        .execution_options(synchronize_session=False)
    )
