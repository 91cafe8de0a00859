"""The service desk's org-unit guards (kam_shared.security.scoping): a customer belongs to its branch as the desk
learnt it from the registry, a ticket to its customer's."""

from fastapi import Request

from kam_service_desk.customer import repository as customers
from kam_service_desk.customer.exceptions import CustomerNotKnown
from kam_service_desk.ticket import repository as tickets
from kam_service_desk.ticket.exceptions import TicketNotFound
from kam_service_desk.validation import CustomerId, TicketId
from kam_shared.security.scoping import owned_by


async def _customer_branch(request: Request, customer_id: str) -> str | None:
    return await customers.branch_of(request.app.state.runtime.reads, customer_id)


async def _ticket_branch(request: Request, ticket_id: str) -> str | None:
    return await tickets.branch_of(request.app.state.runtime.reads, ticket_id)


OWN_CUSTOMER = owned_by("customer_id", CustomerId, _customer_branch, CustomerNotKnown)
OWN_TICKET = owned_by("ticket_id", TicketId, _ticket_branch, TicketNotFound)
