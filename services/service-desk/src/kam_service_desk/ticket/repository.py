from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kam_service_desk.ticket.models import Ticket, TicketTimelineEntry


async def get(session: AsyncSession, ticket_id: str) -> Ticket | None:
    return await session.get(Ticket, ticket_id)


async def timeline(session: AsyncSession, ticket_id: str) -> Sequence[TicketTimelineEntry]:
    query = (
        select(TicketTimelineEntry)
        .where(TicketTimelineEntry.ticket_id == ticket_id)
        .order_by(TicketTimelineEntry.at, TicketTimelineEntry.id)
    )
    return (await session.scalars(query)).all()


async def list_page(
    session: AsyncSession,
    *,
    customer_id: str | None,
    status: str | None,
    level: int | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> Sequence[Row]:
    """Newest first; `after` is the (created_at, id) of the last ticket of the previous page. Rows, not ORM
    objects: a page is read, never changed."""
    query = select(Ticket.__table__)
    if customer_id is not None:
        query = query.where(Ticket.customer_id == customer_id)
    if status is not None:
        query = query.where(Ticket.status == status)
    if level is not None:
        query = query.where(Ticket.level == level)
    if after is not None:
        created_at, ticket_id = after
        query = query.where(
            or_(Ticket.created_at < created_at, and_(Ticket.created_at == created_at, Ticket.id < ticket_id))
        )
    query = query.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)
    return (await session.execute(query)).all()


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
