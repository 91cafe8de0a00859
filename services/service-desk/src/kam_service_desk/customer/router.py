from fastapi import APIRouter

from kam_service_desk.customer import service
from kam_service_desk.customer.schemas import ServiceLevelRead
from kam_service_desk.scoping import OWN_CUSTOMER
from kam_service_desk.validation import CustomerId
from kam_shared.auth import requires
from kam_shared.errors import error_responses
from kam_shared.http import ReadSessionDep

router = APIRouter(
    prefix="/customers/{customer_id}",
    tags=["customers"],
    dependencies=[requires(("tickets:read", "customers:read")), OWN_CUSTOMER],
)


@router.get("/service-level", response_model=ServiceLevelRead, responses=error_responses(404, 422))
async def get_service_level(customer_id: CustomerId, session: ReadSessionDep) -> ServiceLevelRead:
    return await service.service_level(session, customer_id=customer_id)
