"""Group membership and the revenue of a customer together with every subsidiary below it."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.reads import Reads
from kam_tiering.billing.models import MonthlyRevenue
from kam_tiering.customer.models import CustomerProfile
from kam_tiering.group.models import GroupMembership

memberships = GroupMembership.__table__
monthly = MonthlyRevenue.__table__
profiles = CustomerProfile.__table__

# Deeper than any real group. The registry never makes a loop, but changes of different customers may arrive in
# another order than they were made and hold one for a moment: the depth bounds the walk, members count once.
MAX_DEPTH = 100


async def record(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Stores each customer's parent, over the one held only when the change is not older than it.

    One row per customer: a statement may touch a row only once."""
    if not rows:
        return
    insert = (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert(memberships)
    statement = insert.on_conflict_do_update(
        index_elements=["customer_id"],
        set_={"parent_id": insert.excluded.parent_id, "changed_at": insert.excluded.changed_at},
        where=memberships.c.changed_at <= insert.excluded.changed_at,
    )
    await session.execute(statement, list(rows))


def _members():
    """The customer `customer_id` (depth 0) and every customer below it, each once at its nearest depth."""
    tree = select(profiles.c.customer_id, literal(0).label("depth")).where(
        profiles.c.customer_id == bindparam("customer_id")
    )
    tree = tree.cte("tree", recursive=True)
    tree = tree.union_all(
        select(memberships.c.customer_id, (tree.c.depth + 1).label("depth")).where(
            memberships.c.parent_id == tree.c.customer_id, tree.c.depth < MAX_DEPTH
        )
    )
    return (
        select(tree.c.customer_id, func.min(tree.c.depth).label("depth"))
        .group_by(tree.c.customer_id)
        .subquery("members")
    )


def _statements():
    members = _members()
    in_range = (monthly.c.month >= bindparam("from_month")) & (monthly.c.month <= bindparam("to_month"))
    months = (
        select(
            monthly.c.month,
            func.sum(monthly.c.amount_minor).label("amount_minor"),
            func.sum(monthly.c["items"]).label("items"),
            func.sum(monthly.c.lines).label("lines"),
        )
        .join(members, members.c.customer_id == monthly.c.customer_id)
        .where(in_range)
        .group_by(monthly.c.month)
        .order_by(monthly.c.month)
    )
    total = func.coalesce(func.sum(monthly.c.amount_minor), 0).label("total_minor")
    leaders = (
        select(members.c.customer_id, members.c.depth, memberships.c.parent_id, total)
        .select_from(members)
        .outerjoin(memberships, memberships.c.customer_id == members.c.customer_id)
        .outerjoin(monthly, (monthly.c.customer_id == members.c.customer_id) & in_range)
        .group_by(members.c.customer_id, members.c.depth, memberships.c.parent_id)
        .order_by(total.desc(), members.c.customer_id)
        .limit(bindparam("limit"))
    )
    count = select(func.count().label("members")).select_from(members)
    return months, leaders, count


_MONTHS, _LEADERS, _COUNT = _statements()


async def group_months(reads: Reads, customer_id: str, from_month: str, to_month: str) -> list[dict]:
    return await reads.all(_MONTHS, customer_id=customer_id, from_month=from_month, to_month=to_month)


async def group_members(reads: Reads, customer_id: str, from_month: str, to_month: str, limit: int) -> list[dict]:
    return await reads.all(_LEADERS, customer_id=customer_id, from_month=from_month, to_month=to_month, limit=limit)


async def member_count(reads: Reads, customer_id: str) -> int:
    row = await reads.one(_COUNT, customer_id=customer_id)
    return int(row["members"]) if row else 0
