"""Groups as tiering keeps them: the registry's parents, and revenue rolled up over a parent's whole group."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.clock import add_months
from kam_shared.events.catalog import CustomerGroupChanged
from kam_shared.reads import Reads
from kam_tiering.billing.schemas import MonthRevenue
from kam_tiering.group import repository
from kam_tiering.group.schemas import GroupMemberRevenue, GroupRevenue
from kam_tiering.tier.policy import Policy
from kam_tiering.tier.reading import known, month_range


async def record_changes(session: AsyncSession, *, events: Sequence[CustomerGroupChanged]) -> None:
    newest: dict[str, CustomerGroupChanged] = {}
    for event in events:
        held = newest.get(event.customer_id)
        if held is None or event.changed_at >= held.changed_at:
            newest[event.customer_id] = event
    await repository.record(
        session,
        [
            {"customer_id": event.customer_id, "parent_id": event.parent_id, "changed_at": event.changed_at}
            for event in newest.values()
        ],
    )


async def group_revenue_of(
    reads: Reads,
    customer_id: str,
    *,
    from_month: str | None,
    to_month: str | None,
    current_month: str,
    limit: int,
    policy: Policy,
) -> GroupRevenue:
    """The customer's revenue together with every subsidiary below it, month by month, and its largest members."""
    from_month, to_month = month_range(from_month, to_month, current_month)
    await known(reads, customer_id)
    found = {row["month"]: row for row in await repository.group_months(reads, customer_id, from_month, to_month)}
    months = []
    month = from_month
    while month <= to_month:
        row = found.get(month)
        months.append(
            MonthRevenue(
                month=month,
                amount_minor=int(row["amount_minor"]) if row else 0,
                items=int(row["items"]) if row else 0,
                lines=int(row["lines"]) if row else 0,
                currency=policy.currency,
            )
        )
        month = add_months(month, 1)
    members = await repository.group_members(reads, customer_id, from_month, to_month, limit)
    return GroupRevenue(
        customer_id=customer_id,
        from_month=from_month,
        to_month=to_month,
        currency=policy.currency,
        months=months,
        total_minor=sum(entry.amount_minor for entry in months),
        member_count=await repository.member_count(reads, customer_id),
        members=[
            GroupMemberRevenue(
                customer_id=row["customer_id"],
                parent_id=row["parent_id"] if row["depth"] else None,
                depth=int(row["depth"]),
                total_minor=int(row["total_minor"]),
            )
            for row in members
        ],
    )
