"""The service desk's events: tickets opened, escalated, warned, breached, resolved and closed."""

from typing import Literal

from pydantic import AwareDatetime, Field

from kam_shared.events.base import Channel, Event, TicketType, Tier, Topics


class TicketOpened(Event):
    TYPE = "ticket.opened"
    TOPIC = Topics.SERVICE_DESK

    ticket_id: str
    customer_id: str
    type: TicketType
    channel: Channel
    priority: str
    level: int
    tier: Tier
    received_at: AwareDatetime
    first_response_due_at: AwareDatetime
    resolution_due_at: AwareDatetime


SlaTarget = Literal["first_response", "resolution"]
EscalationReason = Literal["first_response_missed", "resolution_missed", "requested", "reopened"]


class TicketEscalated(Event):
    """A ticket moved up a handling level (0 service centre .. 3 marketing head), and who holds it there."""

    TYPE = "ticket.escalated"
    TOPIC = Topics.SERVICE_DESK

    ticket_id: str
    customer_id: str
    from_level: int = Field(ge=0, le=3)
    to_level: int = Field(ge=0, le=3)
    reason: EscalationReason
    holder_id: str | None = Field(description="staff id of the person who holds the ticket at to_level, or null")
    escalated_at: AwareDatetime


class TicketSlaWarned(Event):
    """A share of a target (80 % by default) has run on the ticket's clock and the target is not met yet."""

    TYPE = "ticket.sla_warned"
    TOPIC = Topics.SERVICE_DESK

    ticket_id: str
    customer_id: str
    target: SlaTarget
    due_at: AwareDatetime
    level: int
    holder_id: str | None = None
    warned_at: AwareDatetime


class TicketSlaBreached(Event):
    """A target fell due unmet: the first response (not acknowledged) or the resolution (not resolved)."""

    TYPE = "ticket.sla_breached"
    TOPIC = Topics.SERVICE_DESK

    ticket_id: str
    customer_id: str
    target: SlaTarget
    due_at: AwareDatetime
    level: int = Field(description="the level the ticket was at when the target fell due")
    breached_at: AwareDatetime


class TicketResolved(Event):
    TYPE = "ticket.resolved"
    TOPIC = Topics.SERVICE_DESK

    ticket_id: str
    customer_id: str
    type: TicketType
    tier: Tier
    level: int
    received_at: AwareDatetime
    resolved_at: AwareDatetime
    first_response_met: bool
    resolution_met: bool
    elapsed_s: int = Field(ge=0, description="seconds from received_at to resolved_at, pauses included")
    stopped_s: int = Field(ge=0, description="of which seconds the ticket was paused waiting on the customer")


class TicketClosed(Event):
    TYPE = "ticket.closed"
    TOPIC = Topics.SERVICE_DESK

    ticket_id: str
    customer_id: str
    closed_at: AwareDatetime
