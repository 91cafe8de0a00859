from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status

from kam_service_desk.ticket import service
from kam_service_desk.ticket.exceptions import InvalidCursor, ReceivedInFuture, TicketNotFound, UnknownCustomer
from kam_service_desk.ticket.schemas import TicketCreate, TicketPage, TicketRead, TicketStatus
from kam_shared.http import RuntimeDep, SessionDep

router = APIRouter(prefix="/tickets", tags=["tickets"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TicketRead)
async def open_ticket(
    ticket_in: TicketCreate, session: SessionDep, runtime: RuntimeDep, request: Request, response: Response
) -> TicketRead:
    try:
        ticket = await service.open_ticket(session, ticket_in=ticket_in, outbox=runtime.outbox, clock=runtime.clock)
    except UnknownCustomer as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail={"field": "customer_id", "reason": str(exc)}
        ) from None
    except ReceivedInFuture as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail={"field": "received_at", "reason": str(exc)}
        ) from None
    response.headers["Location"] = str(request.url_for("get_ticket", ticket_id=ticket.id))
    return ticket


@router.get("/{ticket_id}", response_model=TicketRead)
async def get_ticket(ticket_id: str, session: SessionDep) -> TicketRead:
    try:
        return await service.get(session, ticket_id=ticket_id)
    except TicketNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from None


@router.get("", response_model=TicketPage)
async def list_tickets(
    session: SessionDep,
    customer_id: Annotated[str | None, Query(max_length=36)] = None,
    status_: Annotated[TicketStatus | None, Query(alias="status")] = None,
    level: Annotated[int | None, Query(ge=0, le=3)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500, description="next_cursor of the previous page")] = None,
) -> TicketPage:
    try:
        return await service.list_tickets(
            session, customer_id=customer_id, status=status_, level=level, limit=limit, cursor=cursor
        )
    except InvalidCursor as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail={"field": "cursor", "reason": str(exc)}
        ) from None
