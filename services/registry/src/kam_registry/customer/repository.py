from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.customer.models import Customer
from kam_shared.reads import Reads
from kam_shared.security.scoping import within


@dataclass(frozen=True, slots=True)
class CustomerFilter:
    branch: str | None = None
    county: str | None = None
    industry: str | None = None
    important: bool | None = None
    tiers: Sequence[str] | None = None
    q: str | None = None
    normalised_q: str | None = None
    # The caller's org unit: only customers of it and the units below it (None: the whole carrier).
    unit: str | None = None


_BY_ID = select(*Customer.__table__.c).where(Customer.__table__.c.id == bindparam("customer_id"))


_BRANCH_BY_ID = select(Customer.__table__.c.branch).where(Customer.__table__.c.id == bindparam("customer_id"))


async def branch_of(reads: Reads, customer_id: str) -> str | None:
    row = await reads.one(_BRANCH_BY_ID, customer_id=customer_id)
    return row["branch"] if row else None


async def read(reads: Reads, customer_id: str) -> dict | None:
    return await reads.one(_BY_ID, customer_id=customer_id)


async def get(session: AsyncSession, customer_id: str) -> Customer | None:
    return await session.get(Customer, customer_id)


async def get_for_update(session: AsyncSession, customer_id: str) -> Customer | None:
    return (
        await session.execute(select(Customer).where(Customer.id == customer_id).with_for_update())
    ).scalar_one_or_none()


async def find_by_uscc(session: AsyncSession, uscc: str) -> Customer | None:
    return (await session.execute(select(Customer).where(Customer.uscc == uscc))).scalar_one_or_none()


async def find_by_normalised_name(session: AsyncSession, normalized_name: str, *, other_than: str | None = None):
    query = select(Customer).where(Customer.normalized_name == normalized_name).order_by(Customer.created_at)
    if other_than is not None:
        query = query.where(Customer.id != other_than)
    return (await session.execute(query.limit(1))).scalar_one_or_none()


async def add(session: AsyncSession, customer: Customer) -> None:
    session.add(customer)
    await session.flush()


async def update_if_version(session: AsyncSession, customer_id: str, version: int, values: dict[str, Any]) -> bool:
    """Writes the new values only over the version the change was decided on; False when another came first."""
    result = await session.execute(
        update(Customer)
        .where(Customer.id == customer_id, Customer.version == version)
        .values(**values, version=version + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _contains(column: Any, needle: str) -> ColumnElement[bool]:
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def _conditions(where: CustomerFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.unit is not None:
        conditions.append(within(Customer.branch, where.unit))
    if where.branch is not None:
        conditions.append(Customer.branch == where.branch)
    if where.county is not None:
        conditions.append(Customer.county == where.county)
    if where.industry is not None:
        conditions.append(Customer.industry == where.industry)
    if where.important is not None:
        conditions.append(Customer.important == where.important)
    if where.tiers is not None:
        conditions.append(Customer.tier.in_(where.tiers))
    if where.q:
        matches = [_contains(Customer.full_name, where.q), _contains(Customer.short_name, where.q)]
        matches.append(_contains(Customer.uscc, where.q.upper()))
        if where.normalised_q:
            matches.append(_contains(Customer.normalized_name, where.normalised_q))
        conditions.append(or_(*matches))
    return conditions


async def page(
    session: AsyncSession,
    where: CustomerFilter,
    *,
    after_id: str | None,
    limit: int,
    extra: Sequence[ColumnElement[bool]] = (),
) -> list[Customer]:
    """One page in id order (keyset: the page after `after_id`), one row more than asked to tell if more follow."""
    query = select(Customer).where(*_conditions(where), *extra)
    if after_id is not None:
        query = query.where(Customer.id > after_id)
    return list((await session.execute(query.order_by(Customer.id).limit(limit + 1))).scalars())
