from typing import Annotated

from fastapi import APIRouter, Path

from kam_service_desk.customer import service
from kam_service_desk.customer.schemas import ServiceLevelRead
from kam_service_desk.validation import ID_MAX
from kam_shared.auth import requires
from kam_shared.errors import error_responses
from kam_shared.http import ReadSessionDep
from kam_shared.validation import NO_CONTROL_CHARACTERS

router = APIRouter(
    prefix="/customers/{customer_id}", tags=["customers"], dependencies=[requires(("tickets:read", "customers:read"))]
)

CustomerId = Annotated[str, Path(min_length=1, max_length=ID_MAX, pattern=NO_CONTROL_CHARACTERS)]


@router.get("/service-level", response_model=ServiceLevelRead, responses=error_responses(404, 422))
async def get_service_level(customer_id: CustomerId, session: ReadSessionDep) -> ServiceLevelRead:
    return await service.service_level(session, customer_id=customer_id)
