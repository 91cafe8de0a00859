from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from kam_registry.customer import service
from kam_registry.customer.schemas import CustomerCreate, CustomerRead
from kam_registry.validation import CUSTOMER_ID_MAX
from kam_shared.errors import error_responses
from kam_shared.http import ReadSessionDep, RuntimeDep, SessionDep
from kam_shared.validation import NO_CONTROL_CHARACTERS

router = APIRouter(prefix="/customers", tags=["customers"])

CustomerId = Annotated[str, Path(min_length=1, max_length=CUSTOMER_ID_MAX, pattern=NO_CONTROL_CHARACTERS)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CustomerRead, responses=error_responses(409, 422))
async def register_customer(
    customer_in: CustomerCreate, session: SessionDep, runtime: RuntimeDep, request: Request, response: Response
) -> CustomerRead:
    customer = await service.register(session, customer_in=customer_in, outbox=runtime.outbox, clock=runtime.clock)
    response.headers["Location"] = str(request.url_for("get_customer", customer_id=customer.id))
    response.headers["ETag"] = f'"{customer.version}"'
    return customer


@router.get("/{customer_id}", response_model=CustomerRead, responses=error_responses(404, 422))
async def get_customer(customer_id: CustomerId, session: ReadSessionDep, response: Response) -> CustomerRead:
    customer = await service.get(session, customer_id=customer_id)
    response.headers["ETag"] = f'"{customer.version}"'
    return customer
