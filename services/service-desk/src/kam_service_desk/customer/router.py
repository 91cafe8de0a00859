from fastapi import APIRouter

from kam_service_desk.customer import repository
from kam_service_desk.customer.schemas import ServiceLevelRead, TicketTypeTerms
from kam_service_desk.sla.policy import initial_level, priority_for, targets_for
from kam_service_desk.ticket.schemas import TicketType
from kam_shared.errors import NotFound, error_responses
from kam_shared.http import SessionDep

router = APIRouter(prefix="/customers/{customer_id}", tags=["customers"])


@router.get("/service-level", response_model=ServiceLevelRead, responses=error_responses(404))
async def get_service_level(customer_id: str, session: SessionDep) -> ServiceLevelRead:
    customer = await repository.get(session, customer_id)
    if customer is None:
        raise NotFound(f"customer {customer_id} is not known to the service desk")
    terms = []
    for ticket_type in TicketType:
        targets = targets_for(tier=customer.tier, ticket_type=ticket_type.value)
        terms.append(
            TicketTypeTerms(
                type=ticket_type.value,
                first_response_minutes=int(targets.first_response.total_seconds() // 60),
                resolution_minutes=int(targets.resolution.total_seconds() // 60),
                starting_level=initial_level(tier=customer.tier, ticket_type=ticket_type.value),
            )
        )
    return ServiceLevelRead(
        customer_id=customer_id, tier=customer.tier, priority=priority_for(customer.tier).value, terms=terms
    )
