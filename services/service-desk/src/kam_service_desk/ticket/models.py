from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field

from kam_service_desk.tables import ServiceDeskModel
from kam_shared.db import UtcDateTime


class Ticket(ServiceDeskModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (
        # Keyset pagination walks (created_at, id); the filtered listings walk the same order.
        Index("ix_ticket_created_at_id", "created_at", "id"),
        Index("ix_ticket_customer_id_created_at_id", "customer_id", "created_at", "id"),
        # The SLA scheduler takes the tickets whose next deadline has come, earliest first, and no others.
        Index("ix_ticket_next_deadline_at", "next_deadline_at"),
    )

    id: str = Field(primary_key=True, max_length=36)
    customer_id: str = Field(foreign_key="customer.customer_id", max_length=36)
    type: str = Field(max_length=30)
    channel: str = Field(max_length=30)
    subject: str = Field(max_length=200)
    description: str = Field(max_length=10000)
    status: str = Field(max_length=20, index=True)
    priority: str = Field(max_length=20)
    level: int = Field(index=True)
    # The tier whose targets the ticket carries: the customer's tier when opened, or a later promotion.
    tier: str = Field(max_length=20)
    received_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    first_response_due_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    resolution_due_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    # Who holds the ticket at its level: routed from the registry's managers and staff, or assigned.
    holder_id: str | None = Field(default=None, max_length=36)
    # The warnings still to send (null once sent, or once their target no longer runs).
    first_response_warn_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    resolution_warn_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    first_responded_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    first_response_breached_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    # Each missed resolution moves the ticket one level up and gives that level a fresh resolution target,
    # until the top level: the resolution clock runs while renewals == breaches.
    resolution_breaches: int = 0
    resolution_renewals: int = 0
    breached: bool = Field(default=False)
    # While paused: when, and how much clock time the resolution target and its warning still had.
    paused_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    paused_due_left_s: int | None = None
    paused_warn_left_s: int | None = None
    # Pauses so far: wall-clock seconds, and seconds of the ticket's SLA clock (business time unless 24x7).
    stopped_s: int = 0
    stopped_clock_s: int = 0
    resolved_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    # The earliest warning or target still to act on; null while nothing runs (paused, resolved, closed).
    next_deadline_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    version: int = 1
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class TicketTimelineEntry(ServiceDeskModel, table=True):
    """Everything that happened to a ticket, in order; entries are only ever added."""

    __tablename__ = "ticket_timeline_entry"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(foreign_key="ticket.id", index=True, max_length=36)
    kind: str = Field(max_length=40)
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
