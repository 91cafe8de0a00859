from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import AwareDatetime

from kam_service_desk.customer.arrival import RegistrationWait
from kam_service_desk.scoping import OWN_TICKET
from kam_service_desk.ticket import service
from kam_service_desk.ticket.schemas import (
    Channel,
    TicketActionIn,
    TicketCreate,
    TicketFilters,
    TicketPage,
    TicketRead,
    TicketStatus,
    TicketType,
)
from kam_service_desk.validation import ID_MAX, TicketId
from kam_shared.auth import CurrentPrincipal, requires
from kam_shared.errors import InvalidInput, error_responses
from kam_shared.http import ReadsDep, RuntimeDep, SessionDep
from kam_shared.validation import NO_CONTROL_CHARACTERS

router = APIRouter(prefix="/tickets", tags=["tickets"], dependencies=[requires("tickets:read", "tickets:write")])

_OPEN_ERRORS = error_responses(409, 422)
_OPEN_ERRORS[409] = {
    **_OPEN_ERRORS[409],
    "description": "customer-not-yet-known: the customer has not reached the service desk (yet)",
    "headers": {"Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}},
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TicketRead,
    responses=_OPEN_ERRORS,
    description="A customer the registry has just registered may take a moment to reach the service desk: the "
    "request waits for it up to `customer_wait_s` (2 s by default), then answers 409 with the problem type "
    "`urn:kam:problem:customer-not-yet-known` and a `Retry-After` header.",
)
async def open_ticket(
    ticket_in: TicketCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
) -> TicketRead:
    registration = RegistrationWait(runtime.sessions, runtime.settings.customer_wait_s)
    ticket = await service.open_ticket(
        session,
        ticket_in=ticket_in,
        outbox=runtime.outbox,
        clock=runtime.clock,
        registration=registration,
        unit=principal.limited_to,
    )
    response.headers["Location"] = str(request.url_for("get_ticket", ticket_id=ticket.id))
    return ticket


@router.post(
    "/{ticket_id}/actions",
    response_model=TicketRead,
    responses=error_responses(404, 409, 422),
    dependencies=[OWN_TICKET],
    description="One step of the ticket's handling: acknowledge (meets the first response), assign (`staff_id`), "
    "escalate (one level up), pause and resume (the resolution clock stops while waiting on the customer), "
    "resolve, close, reopen (one level up, a fresh resolution target), comment (`note`). An action the ticket's "
    "status does not allow is a 409 `invalid-transition` naming the statuses it applies to.",
)
async def act_on_ticket(
    ticket_id: TicketId,
    action_in: TicketActionIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
) -> TicketRead:
    return await service.act(
        session,
        ticket_id=ticket_id,
        action_in=action_in,
        outbox=runtime.outbox,
        clock=runtime.clock,
        unit=principal.limited_to,
    )


@router.get("/{ticket_id}", response_model=TicketRead, responses=error_responses(404, 422), dependencies=[OWN_TICKET])
async def get_ticket(ticket_id: TicketId, reads: ReadsDep) -> TicketRead:
    return await service.get(reads, ticket_id=ticket_id)


@router.get("", response_model=TicketPage, responses=error_responses(422))
async def list_tickets(
    reads: ReadsDep,
    principal: CurrentPrincipal,
    customer_id: Annotated[str | None, Query(min_length=1, max_length=ID_MAX, pattern=NO_CONTROL_CHARACTERS)] = None,
    status_: Annotated[TicketStatus | None, Query(alias="status")] = None,
    level: Annotated[int | None, Query(ge=0, le=3)] = None,
    type_: Annotated[TicketType | None, Query(alias="type")] = None,
    channel: Annotated[Channel | None, Query()] = None,
    breached: Annotated[
        bool | None, Query(description="only tickets that missed a target (true) or none (false)")
    ] = None,
    due_before: Annotated[
        AwareDatetime | None, Query(description="only tickets whose resolution is due before this instant")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500, description="next_cursor of the previous page")] = None,
) -> TicketPage:
    if due_before is not None and not 2000 <= due_before.year <= 2999:
        raise InvalidInput("due_before must lie between the years 2000 and 2999", field="due_before")
    filters = TicketFilters(
        customer_id=customer_id,
        status=status_,
        level=level,
        type=type_,
        channel=channel,
        breached=breached,
        due_before=due_before,
    )
    return await service.list_tickets(reads, filters=filters, limit=limit, cursor=cursor, unit=principal.limited_to)
