"""The SLA clock of one ticket: when its warnings and targets fall due, and what happens when they do.

Every deadline is stored as an instant, computed on the clock the ticket's type runs on (`policy.clock_for`):
the first response and resolution targets (`*_due_at`), and their warnings at the policy's share of each
target (`*_warn_at`, null once sent). `next_deadline_at` is the earliest of those still to act on, so the
scheduler finds the tickets that need it by an index and never scans the others. `advance` acts on every
deadline up to now in order, so a ticket that arrives long after it was received, or a desk that was down,
catches up at once: a first response missed moves the ticket to level 1; each missed resolution one level up,
with a fresh resolution target counted from the one missed, until the top level."""

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from kam_service_desk.routing.service import holder_for
from kam_service_desk.sla import policy
from kam_service_desk.ticket import repository
from kam_service_desk.ticket.models import Ticket, TicketTimelineEntry
from kam_service_desk.ticket.schemas import RUNNING_STATUSES
from kam_shared.events.catalog import (
    EscalationReason,
    Event,
    SlaTarget,
    TicketEscalated,
    TicketSlaBreached,
    TicketSlaWarned,
    Tier,
)
from kam_shared.messaging.outbox import Outbox


def targets(ticket: Ticket) -> policy.Targets:
    return policy.targets_for(tier=cast(Tier, ticket.tier), ticket_type=ticket.type)


def sla_clock(ticket: Ticket):
    return policy.current().clock_for(ticket.type)


def stamp(ticket: Ticket) -> None:
    """Sets a new ticket's deadlines from its received_at."""
    clock, terms = sla_clock(ticket), targets(ticket)
    ticket.first_response_due_at = clock.add(ticket.received_at, terms.first_response)
    ticket.resolution_due_at = clock.add(ticket.received_at, terms.resolution)
    ticket.first_response_warn_at = clock.add(ticket.received_at, policy.warning_lead(terms.first_response))
    ticket.resolution_warn_at = clock.add(ticket.received_at, policy.warning_lead(terms.resolution))
    refresh_next_deadline(ticket)


def first_response_running(ticket: Ticket) -> bool:
    return ticket.first_responded_at is None and ticket.first_response_breached_at is None


def resolution_running(ticket: Ticket) -> bool:
    return ticket.resolution_breaches == ticket.resolution_renewals


def refresh_next_deadline(ticket: Ticket) -> None:
    if ticket.status not in RUNNING_STATUSES:
        ticket.next_deadline_at = None
        return
    pending = [ticket.first_response_warn_at, ticket.resolution_warn_at]
    if first_response_running(ticket):
        pending.append(ticket.first_response_due_at)
    if resolution_running(ticket):
        pending.append(ticket.resolution_due_at)
    ticket.next_deadline_at = min((at for at in pending if at is not None), default=None)


async def advance(
    session: AsyncSession, ticket: Ticket, *, now: datetime, outbox: Outbox, branch: str | None
) -> list[TicketTimelineEntry]:
    """Acts on every deadline of the ticket up to `now`, earliest first; returns the timeline entries added."""
    added: list[TicketTimelineEntry] = []
    events: list[Event] = []
    while ticket.next_deadline_at is not None and ticket.next_deadline_at <= now:
        at = ticket.next_deadline_at
        if ticket.first_response_warn_at == at:
            ticket.first_response_warn_at = None
            _warned(ticket, "first_response", ticket.first_response_due_at, now, added, events)
        elif ticket.resolution_warn_at == at:
            ticket.resolution_warn_at = None
            _warned(ticket, "resolution", ticket.resolution_due_at, now, added, events)
        elif first_response_running(ticket) and ticket.first_response_due_at == at:
            ticket.first_response_breached_at = at
            ticket.first_response_warn_at = None
            _breached(ticket, "first_response", at, now, added, events)
            missed_level = policy.current().first_response_missed_level
            if ticket.level < missed_level:
                await _escalate(
                    session,
                    ticket,
                    missed_level,
                    "first_response_missed",
                    now=now,
                    branch=branch,
                    added=added,
                    events=events,
                )
        else:
            ticket.resolution_breaches += 1
            ticket.resolution_warn_at = None
            _breached(ticket, "resolution", at, now, added, events)
            if ticket.level < policy.current().top_level:
                # The next level gets the whole resolution target again, counted from the one missed.
                terms, clock = targets(ticket), sla_clock(ticket)
                ticket.resolution_due_at = clock.add(at, terms.resolution)
                ticket.resolution_warn_at = clock.add(at, policy.warning_lead(terms.resolution))
                ticket.resolution_renewals += 1
                await _escalate(
                    session,
                    ticket,
                    ticket.level + 1,
                    "resolution_missed",
                    now=now,
                    branch=branch,
                    added=added,
                    events=events,
                )
        refresh_next_deadline(ticket)
    await _keep(session, ticket, added, events, outbox, now)
    return added


async def escalate(
    session: AsyncSession,
    ticket: Ticket,
    *,
    reason: EscalationReason,
    now: datetime,
    outbox: Outbox,
    branch: str | None,
    details: dict | None = None,
) -> list[TicketTimelineEntry]:
    """One level up, by request or on a reopening."""
    added: list[TicketTimelineEntry] = []
    events: list[Event] = []
    await _escalate(
        session,
        ticket,
        ticket.level + 1,
        reason,
        now=now,
        branch=branch,
        added=added,
        events=events,
        details=details,
    )
    await _keep(session, ticket, added, events, outbox, now)
    return added


def pause(ticket: Ticket, *, now: datetime) -> dict:
    """Stops the resolution clock; what it still had is kept and given back on resume."""
    clock = sla_clock(ticket)
    ticket.paused_at = now
    ticket.paused_due_left_s = int(clock.between(now, ticket.resolution_due_at).total_seconds())
    ticket.paused_warn_left_s = (
        int(clock.between(now, ticket.resolution_warn_at).total_seconds())
        if ticket.resolution_warn_at is not None
        else None
    )
    return {"resolution_left_s": ticket.paused_due_left_s}


def resume(ticket: Ticket, *, now: datetime) -> dict:
    clock = sla_clock(ticket)
    paused_at = cast(datetime, ticket.paused_at)
    stopped = now - paused_at
    stopped_on_clock = clock.between(paused_at, now)
    ticket.stopped_s += int(stopped.total_seconds())
    ticket.stopped_clock_s += int(stopped_on_clock.total_seconds())
    ticket.resolution_due_at = clock.add(now, timedelta(seconds=ticket.paused_due_left_s or 0))
    if ticket.paused_warn_left_s is not None:
        ticket.resolution_warn_at = clock.add(now, timedelta(seconds=ticket.paused_warn_left_s))
    ticket.paused_at = ticket.paused_due_left_s = ticket.paused_warn_left_s = None
    return {
        "paused_at": paused_at.isoformat(),
        "stopped_s": int(stopped.total_seconds()),
        "stopped_clock_s": int(stopped_on_clock.total_seconds()),
        "resolution_due_at": ticket.resolution_due_at.isoformat(),
    }


def restart_resolution(ticket: Ticket, *, now: datetime) -> None:
    """A reopened ticket gets the whole resolution target again, from now."""
    terms, clock = targets(ticket), sla_clock(ticket)
    ticket.resolution_due_at = clock.add(now, terms.resolution)
    ticket.resolution_warn_at = clock.add(now, policy.warning_lead(terms.resolution))
    ticket.resolution_renewals = ticket.resolution_breaches


def tighten(ticket: Ticket, new_targets: policy.Targets) -> bool:
    """Moves the targets still running earlier to `new_targets` (never later); returns whether any moved.

    Computed as if the ticket had had those targets since it was received, on its own clock, pauses kept out."""
    clock, moved = sla_clock(ticket), False
    lead = policy.warning_lead
    if first_response_running(ticket):
        due = clock.add(ticket.received_at, new_targets.first_response)
        if due < ticket.first_response_due_at:
            ticket.first_response_due_at, moved = due, True
        if ticket.first_response_warn_at is not None:
            warn = clock.add(ticket.received_at, lead(new_targets.first_response))
            ticket.first_response_warn_at = min(ticket.first_response_warn_at, warn)
    # A resolution already missed has moved on to a level of its own: a new tier does not rewrite that.
    if resolution_running(ticket) and ticket.resolution_breaches == 0:
        stopped = timedelta(seconds=ticket.stopped_clock_s)
        due = clock.add(ticket.received_at, new_targets.resolution + stopped)
        warn = clock.add(ticket.received_at, lead(new_targets.resolution) + stopped)
        if ticket.paused_at is not None:
            due_left = int(clock.between(ticket.paused_at, due).total_seconds())
            if due_left < (ticket.paused_due_left_s or 0):
                ticket.paused_due_left_s, moved = due_left, True
            if ticket.paused_warn_left_s is not None:
                warn_left = int(clock.between(ticket.paused_at, warn).total_seconds())
                ticket.paused_warn_left_s = min(ticket.paused_warn_left_s, warn_left)
        else:
            if due < ticket.resolution_due_at:
                ticket.resolution_due_at, moved = due, True
            if ticket.resolution_warn_at is not None:
                ticket.resolution_warn_at = min(ticket.resolution_warn_at, warn)
    refresh_next_deadline(ticket)
    return moved


def _warned(ticket: Ticket, target: SlaTarget, due_at: datetime, now: datetime, added: list, events: list) -> None:
    added.append(_entry(ticket, "sla_warned", now, {"target": target, "due_at": due_at.isoformat()}))
    events.append(
        TicketSlaWarned(
            ticket_id=ticket.id,
            customer_id=ticket.customer_id,
            target=target,
            due_at=due_at,
            level=ticket.level,
            holder_id=ticket.holder_id,
            warned_at=now,
        )
    )


def _breached(ticket: Ticket, target: SlaTarget, due_at: datetime, now: datetime, added: list, events: list) -> None:
    ticket.breached = True
    added.append(
        _entry(ticket, "sla_breached", now, {"target": target, "due_at": due_at.isoformat(), "level": ticket.level})
    )
    events.append(
        TicketSlaBreached(
            ticket_id=ticket.id,
            customer_id=ticket.customer_id,
            target=target,
            due_at=due_at,
            level=ticket.level,
            breached_at=due_at,
        )
    )


async def _escalate(
    session: AsyncSession,
    ticket: Ticket,
    to_level: int,
    reason: EscalationReason,
    *,
    now: datetime,
    branch: str | None,
    added: list,
    events: list,
    details: dict | None = None,
) -> None:
    from_level = ticket.level
    ticket.level = to_level
    ticket.holder_id = await holder_for(session, customer_id=ticket.customer_id, branch=branch, level=to_level)
    added.append(
        _entry(
            ticket,
            "escalated",
            now,
            {"from_level": from_level, "to_level": to_level, "reason": reason, "holder_id": ticket.holder_id}
            | (details or {}),
        )
    )
    events.append(
        TicketEscalated(
            ticket_id=ticket.id,
            customer_id=ticket.customer_id,
            from_level=from_level,
            to_level=to_level,
            reason=reason,
            holder_id=ticket.holder_id,
            escalated_at=now,
        )
    )


async def _keep(
    session: AsyncSession, ticket: Ticket, added: list, events: list, outbox: Outbox, now: datetime
) -> None:
    if not added:
        return
    ticket.version += 1
    ticket.updated_at = now
    await repository.add(session, ticket, *added)
    await outbox.add(session, events)


def _entry(ticket: Ticket, kind: str, at: datetime, details: dict) -> TicketTimelineEntry:
    return TicketTimelineEntry(ticket_id=ticket.id, kind=kind, at=at, details=details)
