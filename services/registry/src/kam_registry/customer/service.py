import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.customer import repository
from kam_registry.customer.exceptions import CustomerNotFound, DuplicateName, DuplicateUscc
from kam_registry.customer.models import Customer
from kam_registry.customer.names import normalise_name
from kam_registry.customer.schemas import Agreement, CustomerCreate, CustomerRead, DuplicateConfirmation
from kam_shared.clock import Clock
from kam_shared.db import lock_for_transaction
from kam_shared.events.catalog import CustomerProfile, CustomerRegistered
from kam_shared.messaging.outbox import Outbox
from kam_shared.reads import Reads


def to_read(customer: Customer) -> CustomerRead:
    return read_of(customer.model_dump())


def read_of(values: dict) -> CustomerRead:
    """The customer as the API shows it, from its columns."""
    signed_on, expires_on = values.pop("agreement_signed_on", None), values.pop("agreement_expires_on", None)
    agreement = Agreement(signed_on=signed_on, expires_on=expires_on) if signed_on else None
    return CustomerRead.model_validate({**values, "agreement": agreement})


def profile_of(customer: Customer) -> dict:
    """The profile every registry customer event carries (kam_shared.events.catalog.CustomerProfile)."""
    return {
        "customer_id": customer.id,
        **{name: getattr(customer, name) for name in CustomerProfile.model_fields if name != "customer_id"},
    }


async def check_name(
    session: AsyncSession,
    *,
    full_name: str,
    confirmation: DuplicateConfirmation,
    other_than: str | None = None,
) -> dict[str, str | None]:
    """The normalised name and, when it is taken but confirmed, the record of that: a 409 when not confirmed.

    On PostgreSQL, requests working on one normalised name are serialised so two cannot both find it free."""
    normalized = normalise_name(full_name)
    await lock_for_transaction(session, [f"customer-name:{normalized}"])
    existing = await repository.find_by_normalised_name(session, normalized, other_than=other_than)
    if existing is None:
        return {"normalized_name": normalized, "duplicate_of": None, "duplicate_reason": None}
    if not confirmation.force:
        raise DuplicateName(full_name, existing.id, existing.full_name)
    return {"normalized_name": normalized, "duplicate_of": existing.id, "duplicate_reason": confirmation.reason}


async def register(
    session: AsyncSession,
    *,
    customer_in: CustomerCreate,
    confirmation: DuplicateConfirmation,
    outbox: Outbox,
    clock: Clock,
) -> CustomerRead:
    if customer_in.uscc:
        existing = await repository.find_by_uscc(session, customer_in.uscc)
        if existing is not None:
            raise DuplicateUscc(customer_in.uscc, existing.id)
    name = await check_name(session, full_name=customer_in.full_name, confirmation=confirmation)
    now = clock.now()
    customer = Customer(
        id=str(uuid.uuid4()),
        **name,
        agreement_signed_on=customer_in.agreement.signed_on if customer_in.agreement else None,
        agreement_expires_on=customer_in.agreement.expires_on if customer_in.agreement else None,
        created_at=now,
        updated_at=now,
        **customer_in.model_dump(exclude={"agreement", "contacts"}),
        contacts=[contact.model_dump(exclude_none=True) for contact in customer_in.contacts],
    )
    try:
        async with session.begin_nested():
            await repository.add(session, customer)
    except IntegrityError:
        # Registered at the same moment by another request: the code was free when checked above.
        existing = await repository.find_by_uscc(session, customer_in.uscc) if customer_in.uscc else None
        if existing is None:
            raise
        raise DuplicateUscc(customer_in.uscc, existing.id) from None
    registered = CustomerRegistered(**profile_of(customer), registered_at=now, sequence=customer.version)
    await outbox.add(session, [registered])
    return to_read(customer)


async def get(reads: Reads, *, customer_id: str) -> CustomerRead:
    values = await repository.read(reads, customer_id)
    if values is None:
        raise CustomerNotFound(customer_id)
    return read_of(values)
