from sqlalchemy import bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.claim.models import Claim
from kam_shared.reads import Reads
from kam_shared.security.scoping import within

_UNIT_BY_ID = select(Claim.__table__.c.unit).where(Claim.__table__.c.id == bindparam("claim_id"))


async def unit_of(reads: Reads, claim_id: str) -> str | None:
    row = await reads.one(_UNIT_BY_ID, claim_id=claim_id)
    return row["unit"] if row else None


async def get(session: AsyncSession, claim_id: str) -> Claim | None:
    return await session.get(Claim, claim_id)


async def get_for_update(session: AsyncSession, claim_id: str) -> Claim | None:
    return (await session.execute(select(Claim).where(Claim.id == claim_id).with_for_update())).scalar_one_or_none()


async def on_organisation(
    session: AsyncSession,
    *,
    uscc: str | None,
    normalized_name: str,
    customer_id: str | None = None,
    statuses: tuple[str, ...],
) -> list[Claim]:
    """Claims in these statuses on the organisation: the same customer, USCC, or normalised full name."""
    same = Claim.normalized_name == normalized_name
    if uscc is not None:
        same = or_(same, Claim.uscc == uscc)
    if customer_id is not None:
        same = or_(same, Claim.customer_id == customer_id)
    query = select(Claim).where(same, Claim.status.in_(statuses)).order_by(Claim.claimed_at, Claim.id)
    return list((await session.execute(query)).scalars())


async def add(session: AsyncSession, claim: Claim) -> None:
    session.add(claim)
    await session.flush()


async def page(
    session: AsyncSession,
    *,
    status: str | None,
    unit: str | None,
    after_id: str | None,
    limit: int,
    within_unit: str | None = None,
) -> list[Claim]:
    query = select(Claim).where(within(Claim.unit, within_unit))
    if status is not None:
        query = query.where(Claim.status == status)
    if unit is not None:
        query = query.where(Claim.unit == unit)
    if after_id is not None:
        query = query.where(Claim.id > after_id)
    return list((await session.execute(query.order_by(Claim.id).limit(limit + 1))).scalars())
