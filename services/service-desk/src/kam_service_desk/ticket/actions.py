"""What a person does with a ticket (POST /v1/tickets/{id}/actions), by one explicit table of transitions.

Every action is kept on the timeline. Before it applies, the ticket's clock catches up to now (a target that fell
due a moment ago is recorded as missed before the action that comes too late for it)."""

from datetime import datetime
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from kam_service_desk.customer import repository as customers
from kam_service_desk.routing import repository as routing
from kam_service_desk.sla import policy
from kam_service_desk.ticket import clock as sla_clock
from kam_service_desk.ticket import repository
from kam_service_desk.ticket.exceptions import (
    AtTopLevel,
    InvalidTransition,
    StaffHasLeft,
    StaffNotKnown,
    TicketNotFound,
)
from kam_service_desk.ticket.models import Ticket, TicketTimelineEntry
from kam_service_desk.ticket.schemas import TicketAction, TicketActionIn, TicketStatus
from kam_shared.clock import Clock
from kam_shared.events.catalog import Event, TicketClosed, TicketResolved
from kam_shared.messaging.outbox import Outbox
from kam_shared.security.principal import unit_covers

A = TicketAction
S = TicketStatus
_HANDLING = {S.OPEN: S.OPEN, S.ACKNOWLEDGED: S.ACKNOWLEDGED, S.PAUSED: S.PAUSED}

# action -> {status it applies to: status it leaves}. Anything not listed is refused with 409.
TRANSITIONS: dict[TicketAction, dict[TicketStatus, TicketStatus]] = {
    A.ACKNOWLEDGE: {S.OPEN: S.ACKNOWLEDGED},
    A.ASSIGN: _HANDLING,
    A.ESCALATE: _HANDLING,
    # Pausing waits on the customer, which only makes sense once the customer has had an answer.
    A.PAUSE: {S.ACKNOWLEDGED: S.PAUSED},
    A.RESUME: {S.PAUSED: S.ACKNOWLEDGED},
    A.RESOLVE: {S.OPEN: S.RESOLVED, S.ACKNOWLEDGED: S.RESOLVED, S.PAUSED: S.RESOLVED},
    A.CLOSE: {S.RESOLVED: S.CLOSED},
    # A customer not satisfied with the answer (DOMAIN.md section 4): the ticket runs again, one level up.
    A.REOPEN: {S.RESOLVED: S.ACKNOWLEDGED},
    A.COMMENT: {**_HANDLING, S.RESOLVED: S.RESOLVED},
}


async def perform(
    session: AsyncSession,
    *,
    ticket_id: str,
    action_in: TicketActionIn,
    outbox: Outbox,
    clock: Clock,
    unit: str | None = None,
) -> Ticket:
    ticket = await repository.get_for_update(session, ticket_id)
    if ticket is None:
        raise TicketNotFound(ticket_id)
    now = clock.now()
    customer = await customers.get_registered(session, ticket.customer_id)
    branch = customer.branch if customer is not None else None
    await sla_clock.advance(session, ticket, now=now, outbox=outbox, branch=branch)

    action = action_in.action
    allowed = TRANSITIONS[action]
    status = TicketStatus(ticket.status)
    if status not in allowed:
        raise InvalidTransition(ticket.id, action.value, status.value, [s.value for s in allowed])
    details: dict = {"note": action_in.note} if action_in.note is not None else {}
    events: list[Event] = []

    if action == A.ACKNOWLEDGE:
        details |= _first_response(ticket, now)
    elif action == A.ASSIGN:
        staff_id = cast(str, action_in.staff_id)
        holder = await routing.get_staff(session, staff_id)
        # Staff of another unit than the caller's are unknown to it.
        if holder is None or (unit is not None and not unit_covers(unit, holder.org_unit)):
            raise StaffNotKnown(staff_id)
        if not holder.active:
            raise StaffHasLeft(staff_id)
        details |= {"from_holder_id": ticket.holder_id, "holder_id": staff_id}
        ticket.holder_id = staff_id
    elif action == A.ESCALATE:
        if ticket.level >= policy.current().top_level:
            raise AtTopLevel(ticket.id, ticket.level)
        # The escalation is the timeline's record of this action (reason "requested").
        await sla_clock.escalate(
            session, ticket, reason="requested", now=now, outbox=outbox, branch=branch, details=details
        )
    elif action == A.PAUSE:
        details |= sla_clock.pause(ticket, now=now)
    elif action == A.RESUME:
        details |= sla_clock.resume(ticket, now=now)
    elif action == A.RESOLVE:
        if status == S.OPEN:
            details |= _first_response(ticket, now)
        if status == S.PAUSED:
            details |= sla_clock.resume(ticket, now=now)
        ticket.resolved_at = now
        ticket.resolution_warn_at = None
        events.append(_resolved(ticket, now))
    elif action == A.CLOSE:
        ticket.closed_at = now
        events.append(TicketClosed(ticket_id=ticket.id, customer_id=ticket.customer_id, closed_at=now))
    elif action == A.REOPEN:
        ticket.resolved_at = None
        sla_clock.restart_resolution(ticket, now=now)

    ticket.status = allowed[status]
    sla_clock.refresh_next_deadline(ticket)
    if action != A.ESCALATE:
        ticket.version += 1
        ticket.updated_at = now
        entry = TicketTimelineEntry(ticket_id=ticket.id, kind=action.value, at=now, details=details)
        await repository.add(session, ticket, entry)
        await outbox.add(session, events)
    if action == A.REOPEN and ticket.level < policy.current().top_level:
        await sla_clock.escalate(session, ticket, reason="reopened", now=now, outbox=outbox, branch=branch)
    return ticket


def _first_response(ticket: Ticket, now: datetime) -> dict:
    ticket.first_responded_at = now
    ticket.first_response_warn_at = None
    return {"first_response_met": ticket.first_response_breached_at is None}


def _resolved(ticket: Ticket, now: datetime) -> TicketResolved:
    return TicketResolved(
        ticket_id=ticket.id,
        customer_id=ticket.customer_id,
        type=ticket.type,
        tier=ticket.tier,
        level=ticket.level,
        received_at=ticket.received_at,
        resolved_at=now,
        first_response_met=ticket.first_response_breached_at is None,
        resolution_met=ticket.resolution_breaches == 0,
        elapsed_s=max(int((now - ticket.received_at).total_seconds()), 0),
        stopped_s=ticket.stopped_s,
    )
