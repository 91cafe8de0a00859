from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Select, and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kam_service_desk.ticket.models import Ticket, TicketTimelineEntry
from kam_shared.reads import Reads

tickets = Ticket.__table__
entries = TicketTimelineEntry.__table__

_BY_ID = select(*tickets.c).where(tickets.c.id == bindparam("ticket_id"))
_TIMELINE = (
    select(entries.c.kind, entries.c.at, entries.c.details)
    .where(entries.c.ticket_id == bindparam("ticket_id"))
    .order_by(entries.c.at, entries.c.id)
)


async def read(reads: Reads, ticket_id: str) -> tuple[dict, list[dict]] | None:
    """The ticket's columns and its timeline in order; None for an id never opened."""
    ticket = await reads.one(_BY_ID, ticket_id=ticket_id)
    if ticket is None:
        return None
    return ticket, await reads.all(_TIMELINE, ticket_id=ticket_id)


@lru_cache(maxsize=16)
def _page(by_customer: bool, by_status: bool, by_level: bool, after: bool) -> Select:
    """One prepared statement per combination of filters (an `x IS NULL OR` filter would defeat the indexes)."""
    query = select(*tickets.c)
    if by_customer:
        query = query.where(tickets.c.customer_id == bindparam("customer_id"))
    if by_status:
        query = query.where(tickets.c.status == bindparam("status"))
    if by_level:
        query = query.where(tickets.c.level == bindparam("level"))
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
    customer_id: str | None,
    status: str | None,
    level: int | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[dict]:
    """Newest first; `after` is the (created_at, id) of the last ticket of the previous page. Rows, not ORM
    objects: a page is read, never changed."""
    statement = _page(customer_id is not None, status is not None, level is not None, after is not None)
    params: dict = {"customer_id": customer_id, "status": status, "level": level, "limit": limit}
    if after is not None:
        params["after_created_at"], params["after_id"] = after
    return await reads.all(statement, **{name: value for name, value in params.items() if value is not None})


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
