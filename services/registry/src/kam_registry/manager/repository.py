from datetime import datetime

from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.customer.models import Customer
from kam_registry.manager.models import ManagerAssignment
from kam_shared.security.scoping import within


async def current(session: AsyncSession, customer_id: str) -> dict[str, str]:
    query = select(ManagerAssignment.role, ManagerAssignment.staff_id).where(
        ManagerAssignment.customer_id == customer_id, ManagerAssignment.ended_at.is_(None)
    )
    return {role: staff_id for role, staff_id in (await session.execute(query)).all()}


async def history(session: AsyncSession, customer_id: str) -> list[ManagerAssignment]:
    query = (
        select(ManagerAssignment)
        .where(ManagerAssignment.customer_id == customer_id)
        .order_by(ManagerAssignment.assigned_at, ManagerAssignment.id)
    )
    return list((await session.execute(query)).scalars())


async def end(session: AsyncSession, customer_id: str, role: str, at: datetime) -> None:
    await session.execute(
        update(ManagerAssignment)
        .where(
            ManagerAssignment.customer_id == customer_id,
            ManagerAssignment.role == role,
            ManagerAssignment.ended_at.is_(None),
        )
        .values(ended_at=at)
        .execution_options(synchronize_session=False)
    )


async def add(session: AsyncSession, assignment: ManagerAssignment) -> None:
    session.add(assignment)
    await session.flush()


async def customers_of(
    session: AsyncSession, staff_id: str, *, unit: str | None = None
) -> list[tuple[Customer, ManagerAssignment]]:
    query = (
        select(Customer, ManagerAssignment)
        .join(ManagerAssignment, ManagerAssignment.customer_id == Customer.id)
        .where(
            ManagerAssignment.staff_id == staff_id, ManagerAssignment.ended_at.is_(None), within(Customer.branch, unit)
        )
        .order_by(ManagerAssignment.role, Customer.full_name, Customer.id)
    )
    return [(customer, assignment) for customer, assignment in (await session.execute(query)).all()]


def lacking(role: str) -> ColumnElement[bool]:
    """Customers with nobody in the role now."""
    return ~exists().where(
        ManagerAssignment.customer_id == Customer.id,
        ManagerAssignment.role == role,
        ManagerAssignment.ended_at.is_(None),
    )
