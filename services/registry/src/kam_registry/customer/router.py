from fastapi import APIRouter, HTTPException, Request, Response, status

from kam_registry.customer import service
from kam_registry.customer.exceptions import CustomerNotFound, DuplicateUscc
from kam_registry.customer.schemas import CustomerCreate, CustomerRead
from kam_shared.http import RuntimeDep, SessionDep

router = APIRouter(prefix="/customers", tags=["customers"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CustomerRead)
async def register_customer(
    customer_in: CustomerCreate, session: SessionDep, runtime: RuntimeDep, request: Request, response: Response
) -> CustomerRead:
    try:
        customer = await service.register(session, customer_in=customer_in, outbox=runtime.outbox, clock=runtime.clock)
    except DuplicateUscc as exc:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail={"field": "uscc", "reason": str(exc), "existing_customer_id": exc.existing_id},
        ) from None
    response.headers["Location"] = str(request.url_for("get_customer", customer_id=customer.id))
    response.headers["ETag"] = f'"{customer.version}"'
    return customer


@router.get("/{customer_id}", response_model=CustomerRead)
async def get_customer(customer_id: str, session: SessionDep, response: Response) -> CustomerRead:
    try:
        customer = await service.get(session, customer_id=customer_id)
    except CustomerNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from None
    response.headers["ETag"] = f'"{customer.version}"'
    return customer
