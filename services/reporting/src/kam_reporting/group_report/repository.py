from dataclasses import dataclass

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from kam_reporting.customer_view.repository import customer_view
from kam_shared.security.scoping import within

# Deeper than any real group: the walk down from a head stops here.
MAX_DEPTH = 100


@dataclass(frozen=True, slots=True)
class GroupRow:
    head_id: str
    full_name: str | None
    branch: str | None
    tier: str
    members: int
    depth: int
    own_revenue_12m_minor: int
    revenue_12m_minor: int
    currencies: frozenset[str]


async def groups(
    session: AsyncSession, *, branch: str | None, unit: str | None, limit: int
) -> tuple[list[GroupRow], int]:
    """Groups by their head (a registered customer without a parent and with a subsidiary), the largest
    trailing-12-month revenue first, with how many groups there are in all.

    A customer belongs to the group of the head its chain of parents leads to. Parents whose own parent
    changed a moment ago may form a loop until the registry's next change arrives; a loop has no head and
    counts in no group."""
    view = customer_view
    heads = select(view.c.customer_id.label("head_id"), view.c.customer_id, literal(0).label("depth")).where(
        view.c.parent_id.is_(None), view.c.registered_at.is_not(None), within(view.c.branch, unit)
    )
    if branch is not None:
        heads = heads.where(view.c.branch == branch)
    tree = heads.cte("tree", recursive=True)
    tree = tree.union_all(
        select(tree.c.head_id, view.c.customer_id, (tree.c.depth + 1).label("depth")).where(
            view.c.parent_id == tree.c.customer_id, tree.c.depth < MAX_DEPTH
        )
    )
    member = customer_view.alias("member")
    totals = (
        select(
            tree.c.head_id,
            func.count().label("members"),
            func.max(tree.c.depth).label("depth"),
            func.coalesce(func.sum(member.c.revenue_12m_minor), 0).label("revenue"),
            func.count(func.distinct(member.c.currency)).label("currencies"),
            func.min(member.c.currency).label("currency"),
            func.max(member.c.currency).label("other_currency"),
        )
        .join(member, member.c.customer_id == tree.c.customer_id)
        .group_by(tree.c.head_id)
        .having(func.count() > 1)
        .subquery("totals")
    )
    head = customer_view.alias("head")
    statement = (
        select(totals, head.c.full_name, head.c.branch, head.c.tier, head.c.revenue_12m_minor.label("own"))
        .join(head, head.c.customer_id == totals.c.head_id)
        .order_by(totals.c.revenue.desc(), totals.c.head_id)
        .limit(limit)
    )
    rows = (await session.execute(statement)).all()
    count = (await session.execute(select(func.count()).select_from(totals))).scalar_one()
    # PostgreSQL's sum(bigint) is numeric and comes back as Decimal.
    return [
        GroupRow(
            head_id=row.head_id,
            full_name=row.full_name,
            branch=row.branch,
            tier=row.tier,
            members=row.members,
            depth=row.depth,
            own_revenue_12m_minor=int(row.own),
            revenue_12m_minor=int(row.revenue),
            currencies=frozenset(c for c in (row.currency, row.other_currency) if c is not None),
        )
        for row in rows
    ], int(count)
