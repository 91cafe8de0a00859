from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Select, and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kam_service_desk.customer.models import Customer
from kam_service_desk.ticket.models import Ticket, TicketTimelineEntry
from kam_shared.reads import Reads
from kam_shared.security.scoping import within

tickets = Ticket.__table__
entries = TicketTimelineEntry.__table__
customers = Customer.__table__

_BY_ID = select(*tickets.c).where(tickets.c.id == bindparam("ticket_id"))
_TIMELINE = (
    select(entries.c.kind, entries.c.at, entries.c.details)
    .where(entries.c.ticket_id == bindparam("ticket_id"))
    .order_by(entries.c.at, entries.c.id)
)


# A ticket belongs to the branch of its customer (as the desk knows it now).
_BRANCH_BY_ID = (
    select(customers.c.branch)
    .join(tickets, tickets.c.customer_id == customers.c.customer_id)
    .where(tickets.c.id == bindparam("ticket_id"))
)


async def branch_of(reads: Reads, ticket_id: str) -> str | None:
    row = await reads.one(_BRANCH_BY_ID, ticket_id=ticket_id)
    return row["branch"] if row else None


async def read(reads: Reads, ticket_id: str) -> tuple[dict, list[dict]] | None:
    """The ticket's columns and its timeline in order; None for an id never opened."""
    ticket = await reads.one(_BY_ID, ticket_id=ticket_id)
    if ticket is None:
        return None
    return ticket, await reads.all(_TIMELINE, ticket_id=ticket_id)


# The filters a listing may combine: column name -> how the column is compared with its parameter.
FILTERS = ("customer_id", "status", "level", "type", "channel", "breached", "due_before")


@lru_cache(maxsize=256)
def _page(filters: frozenset[str], after: bool, unit: str | None) -> Select:
    """One prepared statement per combination of filters (an `x IS NULL OR` filter would defeat the indexes)
    and org unit (the tickets of customers of that unit and below; None: all)."""
    query = select(*tickets.c)
    if unit is not None:
        query = query.join(customers, customers.c.customer_id == tickets.c.customer_id).where(
            within(customers.c.branch, unit)
        )
    for name in FILTERS:
        if name not in filters:
            continue
        if name == "due_before":
            query = query.where(tickets.c.resolution_due_at < bindparam("due_before"))
        else:
            query = query.where(tickets.c[name] == bindparam(name))
    if after:
        created_at, ticket_id = bindparam("after_created_at"), bindparam("after_id")
        query = query.where(
            or_(tickets.c.created_at < created_at, and_(tickets.c.created_at == created_at, tickets.c.id < ticket_id))
        )
    return query.order_by(tickets.c.created_at.desc(), tickets.c.id.desc()).limit(bindparam("limit"))


async def get(session: AsyncSession, ticket_id: str) -> Ticket | None:
    return await session.get(Ticket, ticket_id)


async def get_for_update(session: AsyncSession, ticket_id: str) -> Ticket | None:
    query = select(Ticket).where(Ticket.id == ticket_id).with_for_update().execution_options(populate_existing=True)
    return (await session.execute(query)).scalar_one_or_none()


async def due_for_update(session: AsyncSession, *, now: datetime, limit: int) -> Sequence[Ticket]:
    """Tickets whose next deadline has come, earliest first, by the index on next_deadline_at; rows another
    replica or request holds are skipped (they are taken at the next look)."""
    query = (
        select(Ticket)
        .where(Ticket.next_deadline_at <= now)  # type: ignore[operator]
        .order_by(Ticket.next_deadline_at, Ticket.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(query)).all()


async def timeline(session: AsyncSession, ticket_id: str) -> Sequence[TicketTimelineEntry]:
    query = (
        select(TicketTimelineEntry)
        .where(TicketTimelineEntry.ticket_id == ticket_id)
        .order_by(TicketTimelineEntry.at, TicketTimelineEntry.id)
    )
    return (await session.scalars(query)).all()


async def list_page(
    reads: Reads,
    *,
    filters: dict[str, object],
    after: tuple[datetime, str] | None,
    limit: int,
    unit: str | None = None,
) -> list[dict]:
    """Newest first; `filters` maps names of FILTERS to their values (None: not filtered); `after` is the
    (created_at, id) of the last ticket of the previous page. Rows, not ORM objects: a page is read, never changed."""
    given = {name: value for name, value in filters.items() if value is not None}
    unknown = set(given) - set(FILTERS)
    if unknown:
        raise ValueError(f"no ticket filter named {sorted(unknown)}")
    params: dict = {**given, "limit": limit}
    if after is not None:
        params["after_created_at"], params["after_id"] = after
    return await reads.all(_page(frozenset(given), after is not None, unit), **params)


async def open_for_customer_for_update(
    session: AsyncSession, customer_id: str, finished_statuses: frozenset[str]
) -> Sequence[Ticket]:
    query = (
        select(Ticket)
        .where(Ticket.customer_id == customer_id, Ticket.status.not_in(finished_statuses))
        .order_by(Ticket.created_at, Ticket.id)
        .with_for_update()
    )
    return (await session.scalars(query)).all()


async def add(session: AsyncSession, *rows: Ticket | TicketTimelineEntry) -> None:
    session.add_all(rows)
    await session.flush()
