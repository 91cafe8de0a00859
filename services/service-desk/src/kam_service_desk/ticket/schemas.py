from datetime import datetime
from enum import StrEnum
from typing import get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from kam_service_desk.sla.policy import Priority
from kam_shared.events import catalog
from kam_shared.validation import RequestBody

# The wire values are the shared contract's; the enums give them names in this service's code and OpenAPI.
TicketType = StrEnum("TicketType", {value.upper(): value for value in get_args(catalog.TicketType)})
Channel = StrEnum("Channel", {value.upper(): value for value in get_args(catalog.Channel)})


class TicketStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    PAUSED = "paused"
    RESOLVED = "resolved"
    CLOSED = "closed"


# Tickets in these states no longer run against their targets.
FINISHED_STATUSES = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})


class TicketFields(BaseModel):
    customer_id: str = Field(min_length=1, max_length=36)
    type: TicketType
    channel: Channel
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=10000)


class TicketBase(TicketFields, RequestBody):
    """A ticket's fields as a request writes them: strictly typed."""


class TicketCreate(TicketBase):
    model_config = ConfigDict(extra="forbid")

    received_at: AwareDatetime | None = Field(
        default=None,
        description="when the request reached the carrier (a letter may arrive days late); now when omitted",
    )

    @field_validator("received_at")
    @classmethod
    def _plausible(cls, value: datetime | None) -> datetime | None:
        # Years near 1 or 9999 overflow once moved to UTC or given hours to their deadlines.
        if value is not None and not 2000 <= value.year <= 2999:
            raise ValueError("must lie between the years 2000 and 2999")
        return value


class TimelineEntryRead(BaseModel):
    kind: str
    at: datetime
    details: dict


class TicketSummary(TicketFields):
    id: str
    status: TicketStatus
    priority: Priority
    level: int
    tier: str
    received_at: datetime
    first_response_due_at: datetime
    resolution_due_at: datetime
    created_at: datetime


class TicketRead(TicketSummary):
    timeline: list[TimelineEntryRead]


class TicketPage(BaseModel):
    items: list[TicketSummary]
    next_cursor: str | None
