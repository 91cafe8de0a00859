from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.archive.models import ArchivePart
from kam_registry.customer.models import Customer
from kam_registry.manager.models import ManagerAssignment
from kam_shared.security.scoping import within


async def parts_of(session: AsyncSession, customer_id: str) -> dict[str, ArchivePart]:
    query = select(ArchivePart).where(ArchivePart.customer_id == customer_id)
    return {row.part: row for row in (await session.execute(query)).scalars()}


async def save(session: AsyncSession, part: ArchivePart) -> None:
    await session.merge(part)
    await session.flush()


async def refresh_candidates(
    session: AsyncSession, *, tiers: Sequence[str], branch: str | None, manager: str | None, unit: str | None = None
) -> list[tuple[str, str, str, str, datetime, datetime | None]]:
    """Customers of the tiers with a cadence: id, name, branch, tier, registered, last refresh of any part."""
    last = (
        select(ArchivePart.customer_id, func.max(ArchivePart.refreshed_at).label("last_refreshed_at"))
        .group_by(ArchivePart.customer_id)
        .subquery()
    )
    query = (
        select(
            Customer.id,
            Customer.full_name,
            Customer.branch,
            Customer.tier,
            Customer.created_at,
            last.c.last_refreshed_at,
        )
        .outerjoin(last, last.c.customer_id == Customer.id)
        .where(Customer.tier.in_(tiers), within(Customer.branch, unit))
    )
    if branch is not None:
        query = query.where(Customer.branch == branch)
    if manager is not None:
        query = query.where(
            exists().where(
                ManagerAssignment.customer_id == Customer.id,
                ManagerAssignment.staff_id == manager,
                ManagerAssignment.ended_at.is_(None),
            )
        )
    return [tuple(row) for row in await session.execute(query)]
