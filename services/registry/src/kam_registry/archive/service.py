"""The customer's archive in four parts: completeness by the policy's counted fields, refresh cadence by tier."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.archive import repository
from kam_registry.archive.models import ArchivePart
from kam_registry.archive.policy import PARTS, ArchivePolicy, add_months
from kam_registry.archive.schemas import ArchiveRead, OverdueArchive, OverdueList, PartIn, PartRead
from kam_registry.customer import repository as customers
from kam_registry.customer.exceptions import CustomerNotFound
from kam_registry.customer.models import Customer
from kam_shared.clock import Clock


async def refresh(
    session: AsyncSession, *, customer_id: str, part: str, part_in: PartIn, policy: ArchivePolicy, clock: Clock
) -> ArchiveRead:
    if await customers.get(session, customer_id) is None:
        raise CustomerNotFound(customer_id)
    data = part_in.model_dump(mode="json", exclude={"refreshed_by"})
    await repository.save(
        session,
        ArchivePart(
            customer_id=customer_id, part=part, data=data, refreshed_at=clock.now(), refreshed_by=part_in.refreshed_by
        ),
    )
    return await archive_of(session, customer_id=customer_id, policy=policy)


async def archive_of(session: AsyncSession, *, customer_id: str, policy: ArchivePolicy) -> ArchiveRead:
    customer = await customers.get(session, customer_id)
    if customer is None:
        raise CustomerNotFound(customer_id)
    stored = await repository.parts_of(session, customer_id)
    parts: dict[str, PartRead] = {}
    filled_total = counted_total = 0
    for name in PARTS:
        row = stored.get(name)
        data = row.data if row else {}
        counted = policy.parts[name]
        filled = sum(1 for field in counted if _filled(_value(field, data, customer, part=name)))
        filled_total += filled
        counted_total += len(counted)
        parts[name] = PartRead(
            data=data,
            completeness=_percent(filled, len(counted)),
            refreshed_at=row.refreshed_at if row else None,
            refreshed_by=row.refreshed_by if row else None,
        )
    cities = (
        {city.strip() for city in stored["basic"].data.get("cities", []) if city.strip()}
        if "basic" in stored
        else set()
    )
    last = max((row.refreshed_at for row in stored.values()), default=None)
    months = policy.refresh_months.get(customer.tier)
    return ArchiveRead(
        customer_id=customer_id,
        parts=parts,
        completeness=_percent(filled_total, counted_total),
        geographic_scope=("province_wide" if len(cities) >= 2 else "regional") if cities else None,
        last_refreshed_at=last,
        refresh_due_at=add_months(last or customer.created_at, months) if months else None,
        policy_id=policy.id,
        policy_version=policy.version,
    )


async def overdue(
    session: AsyncSession,
    *,
    branch: str | None,
    manager: str | None,
    limit: int,
    policy: ArchivePolicy,
    clock: Clock,
    unit: str | None = None,
) -> OverdueList:
    now = clock.now()
    items: list[OverdueArchive] = []
    rows = await repository.refresh_candidates(
        session, tiers=list(policy.refresh_months), branch=branch, manager=manager, unit=unit
    )
    for customer_id, full_name, branch_, tier, registered_at, last in rows:
        due_at = add_months(last or registered_at, policy.refresh_months[tier])
        if due_at <= now:
            items.append(
                OverdueArchive(
                    customer_id=customer_id,
                    full_name=full_name,
                    branch=branch_,
                    tier=tier,
                    last_refreshed_at=last,
                    due_at=due_at,
                    overdue_days=(now - due_at).days,
                )
            )
    items.sort(key=lambda item: (item.due_at, item.customer_id))
    return OverdueList(as_of=now.date(), items=items[:limit])


def _value(field: str, data: dict[str, Any], customer: Customer, *, part: str) -> Any:
    # The basic part's names, code and address live on the customer record; the rest in the part's data.
    if part == "basic" and field in Customer.model_fields:
        return getattr(customer, field)
    return data.get(field)


def _filled(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _percent(filled: int, counted: int) -> int:
    return round(100 * filled / counted) if counted else 100
