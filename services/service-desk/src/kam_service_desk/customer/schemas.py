from typing import Literal

from pydantic import BaseModel, Field

from kam_shared.events.catalog import Tier


class TicketTypeTerms(BaseModel):
    type: str
    first_response_minutes: int
    resolution_minutes: int
    starting_level: int
    clock: Literal["24x7", "business"] = Field(
        description="what the minutes count: every hour (faults), or working hours of the business calendar"
    )


class ServiceLevelRead(BaseModel):
    """The terms a customer's new tickets get today, as the service desk knows the customer."""

    customer_id: str
    tier: Tier
    priority: str
    terms: list[TicketTypeTerms]
