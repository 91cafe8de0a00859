from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

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
# Tickets in these states have clocks running (a paused ticket's is stopped).
RUNNING_STATUSES = frozenset({TicketStatus.OPEN, TicketStatus.ACKNOWLEDGED})


class TicketAction(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    ESCALATE = "escalate"
    PAUSE = "pause"
    RESUME = "resume"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    COMMENT = "comment"


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


class TicketActionIn(RequestBody):
    """One step of a ticket's handling; `staff_id` only for assign, `note` for any (required for comment)."""

    model_config = ConfigDict(extra="forbid")

    action: TicketAction
    staff_id: str | None = Field(default=None, min_length=1, max_length=36, description="for assign: who")
    note: str | None = Field(default=None, min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _fields_of_the_action(self) -> "TicketActionIn":
        if self.action == TicketAction.ASSIGN and self.staff_id is None:
            raise ValueError("assign names the staff_id of the person to hold the ticket")
        if self.action != TicketAction.ASSIGN and self.staff_id is not None:
            raise ValueError(f"staff_id belongs to assign, not to {self.action.value}")
        if self.action == TicketAction.COMMENT and self.note is None:
            raise ValueError("comment needs a note")
        return self


@dataclass(frozen=True, slots=True)
class TicketFilters:
    """What a ticket listing is narrowed to; None leaves a filter out."""

    customer_id: str | None = None
    status: TicketStatus | None = None
    level: int | None = None
    type: TicketType | None = None
    channel: Channel | None = None
    breached: bool | None = None
    due_before: datetime | None = None

    def as_parameters(self) -> dict[str, object]:
        values = {name: getattr(self, name) for name in self.__slots__}
        if self.due_before is not None:
            values["due_before"] = self.due_before.astimezone(UTC)
        return values


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
    holder_id: str | None = Field(description="staff id of the person holding the ticket at its level, if known")
    first_responded_at: datetime | None
    breached: bool = Field(description="whether any target of the ticket was missed")
    next_deadline_at: datetime | None = Field(description="the next warning or target to fall due; null if none runs")
    paused_at: datetime | None
    stopped_s: int = Field(description="seconds the ticket spent paused, waiting on the customer")
    resolved_at: datetime | None
    closed_at: datetime | None
    created_at: datetime


class TicketRead(TicketSummary):
    timeline: list[TimelineEntryRead]


class TicketPage(BaseModel):
    items: list[TicketSummary]
    next_cursor: str | None
