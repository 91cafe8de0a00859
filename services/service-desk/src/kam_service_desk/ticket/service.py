import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from kam_service_desk.customer import repository as customers
from kam_service_desk.customer.arrival import RegistrationWait
from kam_service_desk.routing.service import holder_for
from kam_service_desk.sla import policy
from kam_service_desk.ticket import actions, repository
from kam_service_desk.ticket import clock as sla_clock
from kam_service_desk.ticket.exceptions import CustomerNotYetKnown, ReceivedInFuture, TicketNotFound
from kam_service_desk.ticket.models import Ticket, TicketTimelineEntry
from kam_service_desk.ticket.schemas import (
    FINISHED_STATUSES,
    TicketActionIn,
    TicketCreate,
    TicketFilters,
    TicketPage,
    TicketRead,
    TicketStatus,
    TicketSummary,
    TimelineEntryRead,
)
from kam_service_desk.validation import ID_MAX
from kam_shared import paging
from kam_shared.clock import Clock
from kam_shared.events.catalog import TicketOpened, Tier, TierChanged
from kam_shared.messaging.outbox import Outbox
from kam_shared.reads import Reads
from kam_shared.security.principal import unit_covers

# Clocks of the caller and of this service disagree a little; a received_at slightly ahead is not an error.
FUTURE_TOLERANCE = timedelta(minutes=5)


async def open_ticket(
    session: AsyncSession,
    *,
    ticket_in: TicketCreate,
    outbox: Outbox,
    clock: Clock,
    registration: RegistrationWait | None = None,
    unit: str | None = None,
) -> TicketRead:
    """Opens a ticket with the targets of the customer's tier.

    With `registration`, a customer the desk does not know yet is first waited for (before this transaction
    reads anything, so it holds no lock meanwhile); without, it is refused at once. To a caller confined to
    `unit`, a customer of another unit is one the desk does not know: the same wait, the same 409."""
    now = clock.now()
    received_at = (ticket_in.received_at or now).astimezone(UTC)
    if received_at > now + FUTURE_TOLERANCE:
        raise ReceivedInFuture(received_at, now)
    if registration is not None:
        await registration.until_registered(ticket_in.customer_id, unit=unit)
    # Locked so that a promotion being applied now either finishes first (and this ticket reads the new tier)
    # or waits until this ticket is stored (and tightens it): without it the ticket keeps the old targets.
    customer = await customers.get_registered_for_share(session, ticket_in.customer_id)
    if customer is None or (unit is not None and not unit_covers(unit, customer.branch)):
        raise CustomerNotYetKnown(ticket_in.customer_id, registration.within_s if registration else 0)
    tier = cast(Tier, customer.tier)
    level = policy.initial_level(tier=tier, ticket_type=ticket_in.type)
    ticket = Ticket(
        id=str(uuid.uuid4()),
        customer_id=customer.customer_id,
        type=ticket_in.type,
        channel=ticket_in.channel,
        subject=ticket_in.subject,
        description=ticket_in.description,
        status=TicketStatus.OPEN,
        priority=policy.priority_for(tier),
        level=level,
        holder_id=await holder_for(session, customer_id=customer.customer_id, branch=customer.branch, level=level),
        tier=tier,
        received_at=received_at,
        first_response_due_at=received_at,
        resolution_due_at=received_at,
        created_at=now,
        updated_at=now,
    )
    sla_clock.stamp(ticket)
    opened = TicketTimelineEntry(
        ticket_id=ticket.id,
        kind="opened",
        at=now,
        details={
            "channel": ticket.channel,
            "tier": tier,
            "priority": ticket.priority,
            "level": ticket.level,
            "holder_id": ticket.holder_id,
            "received_at": received_at.isoformat(),
            "first_response_due_at": ticket.first_response_due_at.isoformat(),
            "resolution_due_at": ticket.resolution_due_at.isoformat(),
        },
    )
    await repository.add(session, ticket)
    await repository.add(session, opened)
    await outbox.add(
        session,
        [
            TicketOpened(
                ticket_id=ticket.id,
                customer_id=ticket.customer_id,
                type=ticket.type,
                channel=ticket.channel,
                priority=ticket.priority,
                level=ticket.level,
                tier=tier,
                received_at=received_at,
                first_response_due_at=ticket.first_response_due_at,
                resolution_due_at=ticket.resolution_due_at,
            )
        ],
    )
    # A request received long ago (a letter, a fax found late) has missed targets already: act on them now.
    later = await sla_clock.advance(session, ticket, now=now, outbox=outbox, branch=customer.branch)
    return _read(ticket, [opened, *later])


async def act(
    session: AsyncSession,
    *,
    ticket_id: str,
    action_in: TicketActionIn,
    outbox: Outbox,
    clock: Clock,
    unit: str | None = None,
) -> TicketRead:
    ticket = await actions.perform(
        session, ticket_id=ticket_id, action_in=action_in, outbox=outbox, clock=clock, unit=unit
    )
    return _read(ticket, await repository.timeline(session, ticket.id))


async def get(reads: Reads, *, ticket_id: str) -> TicketRead:
    found = await repository.read(reads, ticket_id)
    if found is None:
        raise TicketNotFound(ticket_id)
    ticket, timeline = found
    return TicketRead(
        **TicketSummary.model_validate(ticket).model_dump(),
        timeline=[TimelineEntryRead.model_validate(entry) for entry in timeline],
    )


async def list_tickets(
    reads: Reads, *, filters: TicketFilters, limit: int, cursor: str | None, unit: str | None = None
) -> TicketPage:
    rows = await repository.list_page(
        reads,
        filters=filters.as_parameters(),
        after=decode_cursor(cursor) if cursor else None,
        limit=limit + 1,
        unit=unit,
    )
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1]) if len(rows) > limit else None
    items = [TicketSummary.model_validate(row) for row in page]
    return TicketPage(items=items, next_cursor=next_cursor)


async def tighten_open_tickets(
    session: AsyncSession, *, change: TierChanged, clock: Clock, outbox: Outbox, branch: str | None
) -> int:
    """Gives the customer's open tickets the targets of a higher tier, on each ticket's own clock (the business
    calendar unless 24x7); a lower tier leaves them as they are. A target the new tier has already missed is
    acted on at once. Returns how many tickets changed."""
    tier = change.new_tier
    changed = 0
    now = clock.now()
    for ticket in await repository.open_for_customer_for_update(session, change.customer_id, FINISHED_STATUSES):
        if not policy.is_higher(tier, cast(Tier, ticket.tier)):
            continue
        before = {
            "tier": ticket.tier,
            "priority": ticket.priority,
            "first_response_due_at": ticket.first_response_due_at.isoformat(),
            "resolution_due_at": ticket.resolution_due_at.isoformat(),
        }
        ticket.tier = tier
        ticket.priority = policy.higher_priority(policy.priority_for(tier), policy.Priority(ticket.priority))
        sla_clock.tighten(ticket, policy.targets_for(tier=tier, ticket_type=ticket.type))
        ticket.version += 1
        ticket.updated_at = now
        entry = TicketTimelineEntry(
            ticket_id=ticket.id,
            kind="targets_tightened",
            at=now,
            details={
                "reason": "tier.changed",
                "sequence": change.sequence,
                "changed_at": change.changed_at.isoformat(),
                "before": before,
                "after": {
                    "tier": ticket.tier,
                    "priority": ticket.priority,
                    "first_response_due_at": ticket.first_response_due_at.isoformat(),
                    "resolution_due_at": ticket.resolution_due_at.isoformat(),
                },
            },
        )
        await repository.add(session, ticket, entry)
        await sla_clock.advance(session, ticket, now=now, outbox=outbox, branch=branch)
        changed += 1
    return changed


def encode_cursor(ticket: dict) -> str:
    return paging.encode_cursor(ticket["created_at"].astimezone(UTC).isoformat(), ticket["id"])


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    created_at, ticket_id = paging.decode_cursor(cursor, 2)
    try:
        at = datetime.fromisoformat(created_at)
        # An instant at the edge of the calendar overflows once moved to UTC for the query.
        at = at.astimezone(UTC) if at.tzinfo is not None else None
    except (ValueError, OverflowError):
        raise paging.InvalidCursor() from None
    if at is None or len(ticket_id) > ID_MAX:
        raise paging.InvalidCursor()
    return at, ticket_id


def _read(ticket: Ticket, timeline: Sequence[TicketTimelineEntry]) -> TicketRead:
    return TicketRead(
        **TicketSummary.model_validate(ticket, from_attributes=True).model_dump(),
        timeline=[TimelineEntryRead(kind=entry.kind, at=entry.at, details=entry.details) for entry in timeline],
    )
