"""Development-rights claims: the first valid claim on an organisation holds; a competing one waits for a ruling."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.claim import repository
from kam_registry.claim.exceptions import AlreadyClaimed, ClaimNotFound, NotInConflict
from kam_registry.claim.models import Claim
from kam_registry.claim.schemas import ClaimCreate, ClaimPage, ClaimRead, Ruling
from kam_registry.customer import repository as customers
from kam_registry.customer.exceptions import CustomerNotFound
from kam_registry.customer.names import normalise_name
from kam_shared.clock import Clock
from kam_shared.db import lock_for_transaction
from kam_shared.errors import InvalidInput
from kam_shared.paging import decode_cursor, encode_cursor
from kam_shared.security.principal import unit_covers

# A unit's claim in one of these statuses stands in the way of another claim on the organisation.
OPEN = ("holding", "conflict")


async def file(session: AsyncSession, *, claim_in: ClaimCreate, clock: Clock, unit: str | None = None) -> ClaimRead:
    """Files the claim: `holding` when nobody holds the organisation, else `conflict` against the holder.

    A caller confined to `unit` names by id only customers of it; a prospect named by USCC or name may be anyone's
    (the conflict with another unit's claim is what arbitration is for)."""
    uscc, name, customer_id = claim_in.uscc, claim_in.name, claim_in.customer_id
    if customer_id is not None:
        customer = await customers.get(session, customer_id)
        if customer is None or (unit is not None and not unit_covers(unit, customer.branch)):
            raise CustomerNotFound(customer_id)
        _agrees_with(claim_in, customer)
        uscc, name = customer.uscc, customer.full_name
    normalized = normalise_name(name)
    # Two first claims at the same moment: one after the other, so only one can find the organisation free.
    await lock_for_transaction(
        session,
        [
            f"claim-name:{normalized}",
            *([f"claim-uscc:{uscc}"] if uscc else []),
            *([f"claim-customer:{customer_id}"] if customer_id else []),
        ],
    )
    standing = await repository.on_organisation(
        session, uscc=uscc, normalized_name=normalized, customer_id=customer_id, statuses=OPEN
    )
    for claim in standing:
        if claim.unit == claim_in.unit:
            raise AlreadyClaimed(claim_in.unit, claim.id, claim.status)
    holding = next((claim for claim in standing if claim.status == "holding"), None)
    claim = Claim(
        id=str(uuid.uuid4()),
        unit=claim_in.unit,
        customer_id=customer_id,
        uscc=uscc,
        name=name,
        normalized_name=normalized,
        evidence=claim_in.evidence,
        status="conflict" if holding else "holding",
        conflicts_with=holding.id if holding else None,
        claimed_at=clock.now(),
    )
    await repository.add(session, claim)
    return _read(claim)


def _agrees_with(claim_in: ClaimCreate, customer) -> None:
    """A claim on a registered customer is on that customer as the registry knows it: a USCC or name given
    beside its id must be the customer's, or the claim would be filed on one organisation and checked against
    another."""
    if claim_in.uscc is not None and claim_in.uscc != customer.uscc:
        known = f"its USCC is {customer.uscc}" if customer.uscc else "it has no USCC on record"
        raise InvalidInput(f"customer {customer.id}: {known}", field="uscc")
    if claim_in.name is not None and normalise_name(claim_in.name) != customer.normalized_name:
        raise InvalidInput(
            f"customer {customer.id} is registered as {customer.full_name!r}; leave name out to claim it", field="name"
        )


async def rule(session: AsyncSession, *, claim_id: str, ruling: Ruling, clock: Clock) -> ClaimRead:
    claim = await repository.get_for_update(session, claim_id)
    if claim is None:
        raise ClaimNotFound(claim_id)
    if claim.status != "conflict":
        raise NotInConflict(claim_id, claim.status)
    now = clock.now()
    claim.ruled_by, claim.ruling_reason, claim.ruled_at = ruling.ruled_by, ruling.reason, now
    if ruling.decision == "rejected":
        claim.status = "rejected"
    else:
        holder = await repository.get_for_update(session, claim.conflicts_with) if claim.conflicts_with else None
        if holder is not None and holder.status == "holding":
            holder.status = "superseded"
            holder.ruled_by, holder.ruling_reason, holder.ruled_at = ruling.ruled_by, ruling.reason, now
            await repository.add(session, holder)
        claim.status = "holding"
    await repository.add(session, claim)
    return _read(claim)


async def get(session: AsyncSession, *, claim_id: str) -> ClaimRead:
    claim = await repository.get(session, claim_id)
    if claim is None:
        raise ClaimNotFound(claim_id)
    return _read(claim)


async def list_claims(
    session: AsyncSession,
    *,
    status: str | None,
    unit: str | None,
    cursor: str | None,
    limit: int,
    within_unit: str | None = None,
) -> ClaimPage:
    rows = await repository.page(
        session,
        status=status,
        unit=unit,
        after_id=decode_cursor(cursor, 1)[0] if cursor else None,
        limit=limit,
        within_unit=within_unit,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return ClaimPage(
        items=[_read(row) for row in rows], next_cursor=encode_cursor(rows[-1].id) if more and rows else None
    )


def _read(claim: Claim) -> ClaimRead:
    return ClaimRead.model_validate(claim, from_attributes=True)
