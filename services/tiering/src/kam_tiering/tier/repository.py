from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.db import upsert_adding
from kam_shared.reads import Reads
from kam_tiering.customer.models import CustomerProfile
from kam_tiering.override.models import TierOverride
from kam_tiering.tier.models import TierState

states = TierState.__table__
profiles = CustomerProfile.__table__
overrides = TierOverride.__table__


_BRANCH_BY_ID = select(profiles.c.branch).where(profiles.c.customer_id == bindparam("customer_id"))


async def branch_of(reads: Reads, customer_id: str) -> str | None:
    """The branch the registry gave the customer; None for a customer it has not announced."""
    row = await reads.one(_BRANCH_BY_ID, customer_id=customer_id)
    return row["branch"] if row else None


async def states_for(session: AsyncSession, customers: Iterable[str]) -> dict[str, dict]:
    customers = list(customers)
    if not customers:
        return {}
    rows = await session.execute(select(states).where(states.c.customer_id.in_(customers)))
    return {row.customer_id: row._asdict() for row in rows}


async def profiles_for(session: AsyncSession, customers: Iterable[str]) -> dict[str, dict]:
    customers = list(customers)
    if not customers:
        return {}
    rows = await session.execute(select(profiles).where(profiles.c.customer_id.in_(customers)))
    return {row.customer_id: row._asdict() for row in rows}


async def save_states(session: AsyncSession, rows: Sequence[dict]) -> None:
    if rows:
        columns = [name for name in rows[0] if name != "customer_id"]
        stmt = upsert_adding(states, session.get_bind().dialect.name, ["customer_id"], added=[], replaced=columns)
        await session.execute(stmt, list(rows))


async def save_profiles(session: AsyncSession, rows: Sequence[dict]) -> set[str]:
    """Stores profiles whose sequence is newer than the one held (or that are new); returns the customers stored.

    One row per customer: a statement may touch a row only once; registered_at is kept from the first row."""
    if not rows:
        return set()
    insert = (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert(profiles)
    columns = [name for name in rows[0] if name not in ("customer_id", "registered_at")]
    stmt = insert.on_conflict_do_update(
        index_elements=["customer_id"],
        set_={name: insert.excluded[name] for name in columns},
        where=profiles.c.sequence < insert.excluded.sequence,
    ).returning(profiles.c.customer_id)
    return set((await session.execute(stmt, list(rows))).scalars())


def agreement_active_on(day: date):
    return and_(
        profiles.c.agreement_signed_on.is_not(None),
        profiles.c.agreement_signed_on <= day,
        or_(profiles.c.agreement_expires_on.is_(None), profiles.c.agreement_expires_on >= day),
    )


async def agreement_revenue_in_counties(
    session: AsyncSession, counties: Iterable[str], day: date
) -> dict[str, dict[str, int]]:
    """Per county, the customers with an agreement in force on `day` and the trailing revenue tiering holds."""
    counties = list(counties)
    found: dict[str, dict[str, int]] = {}
    if not counties:
        return found
    rows = await session.execute(
        select(profiles.c.county, profiles.c.customer_id, states.c.revenue_12m_minor)
        .select_from(profiles.outerjoin(states, states.c.customer_id == profiles.c.customer_id))
        .where(profiles.c.county.in_(counties), agreement_active_on(day))
    )
    for county, customer_id, revenue in rows:
        found.setdefault(county, {})[customer_id] = revenue or 0
    return found


async def get_state(session: AsyncSession, customer_id: str) -> dict | None:
    row = (await session.execute(select(states).where(states.c.customer_id == customer_id))).first()
    return None if row is None else row._asdict()


# The tier view in one lookup: the state and the override in force on `today`, prefixed `override_`.
_TIER_VIEW = (
    select(
        *states.c,
        overrides.c.tier.label("override_tier"),
        overrides.c.reason.label("override_reason"),
        overrides.c.expires_on.label("override_expires_on"),
        overrides.c.set_by.label("override_set_by"),
    )
    .select_from(
        states.outerjoin(
            overrides,
            and_(overrides.c.customer_id == states.c.customer_id, overrides.c.expires_on >= bindparam("today")),
        )
    )
    .where(states.c.customer_id == bindparam("customer_id"))
)
_KNOWN = select(profiles.c.customer_id).where(profiles.c.customer_id == bindparam("customer_id"))


async def tier_view(reads: Reads, customer_id: str, today: date) -> tuple[dict, dict | None] | None:
    """The customer's tier state and the override in force on `today` (None without one); None without a state."""
    row = await reads.one(_TIER_VIEW, customer_id=customer_id, today=today)
    if row is None:
        return None
    override = {name: row.pop(f"override_{name}") for name in ("tier", "reason", "expires_on", "set_by")}
    return row, (override if override["tier"] is not None else None)


async def is_known(reads: Reads, customer_id: str) -> bool:
    return await reads.one(_KNOWN, customer_id=customer_id) is not None


async def known_customer(session: AsyncSession, customer_id: str) -> bool:
    return (
        await session.execute(select(profiles.c.customer_id).where(profiles.c.customer_id == customer_id))
    ).first() is not None
