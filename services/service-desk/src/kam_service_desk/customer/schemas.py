from pydantic import BaseModel

from kam_shared.events.catalog import Tier


class TicketTypeTerms(BaseModel):
    type: str
    first_response_minutes: int
    resolution_minutes: int
    starting_level: int


class ServiceLevelRead(BaseModel):
    """The terms a customer's new tickets get today, as the service desk knows the customer."""

    customer_id: str
    tier: Tier
    priority: str
    terms: list[TicketTypeTerms]
