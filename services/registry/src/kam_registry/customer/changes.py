"""Changing a customer's master data: guarded by its version (If-Match), announced as customer.updated."""

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.customer import repository
from kam_registry.customer.etag import ANY
from kam_registry.customer.exceptions import CustomerNotFound, DuplicateUscc, StaleVersion
from kam_registry.customer.models import Customer
from kam_registry.customer.names import normalise_name
from kam_registry.customer.schemas import CustomerRead, CustomerUpdate, DuplicateConfirmation
from kam_registry.customer.service import check_name, profile_of, to_read
from kam_shared.clock import Clock
from kam_shared.events.catalog import CustomerUpdated
from kam_shared.messaging.outbox import Outbox

# Columns a change may set that are the registry's own record, not fields the caller changed.
SERVER_OWNED = frozenset({"normalized_name", "duplicate_of", "duplicate_reason"})


def new_values(customer: Customer, customer_in: CustomerUpdate) -> dict[str, Any]:
    """The columns the change alters, with their new values; nothing for a field sent with its current value."""
    sent = customer_in.model_dump(include=customer_in.model_fields_set, exclude={"agreement", "contacts"})
    if "contacts" in customer_in.model_fields_set:
        sent["contacts"] = [contact.model_dump(exclude_none=True) for contact in customer_in.contacts or []]
    if "agreement" in customer_in.model_fields_set:
        agreement = customer_in.agreement
        sent["agreement_signed_on"] = agreement.signed_on if agreement else None
        sent["agreement_expires_on"] = agreement.expires_on if agreement else None
    return {name: value for name, value in sent.items() if getattr(customer, name) != value}


async def update(
    session: AsyncSession,
    *,
    customer_id: str,
    customer_in: CustomerUpdate,
    if_match: int,
    confirmation: DuplicateConfirmation,
    outbox: Outbox,
    clock: Clock,
) -> CustomerRead:
    # The row lock orders concurrent changes of one customer, so their sequences follow commit order.
    customer = await repository.get_for_update(session, customer_id)
    if customer is None:
        raise CustomerNotFound(customer_id)
    if if_match == ANY:
        if_match = customer.version
    elif customer.version != if_match:
        raise StaleVersion(customer_id, customer.version)
    values = new_values(customer, customer_in)
    if not values:
        return to_read(customer)
    if "uscc" in values and values["uscc"] is not None:
        existing = await repository.find_by_uscc(session, values["uscc"])
        if existing is not None:
            raise DuplicateUscc(values["uscc"], existing.id)
    if "full_name" in values and normalise_name(values["full_name"]) != customer.normalized_name:
        values.update(
            await check_name(session, full_name=values["full_name"], confirmation=confirmation, other_than=customer_id)
        )
    now = clock.now()
    try:
        async with session.begin_nested():
            written = await repository.update_if_version(session, customer_id, if_match, {**values, "updated_at": now})
    except IntegrityError:
        # The code was free when checked above and taken at the same moment by another request.
        existing = await repository.find_by_uscc(session, values["uscc"]) if values.get("uscc") else None
        if existing is None:
            raise
        raise DuplicateUscc(values["uscc"], existing.id) from None
    if not written:
        # Only where the row lock is a no-op (SQLite serialises writers instead): another change came first.
        raise StaleVersion(customer_id, None)
    await session.refresh(customer)
    changed = sorted(name for name in values if name not in SERVER_OWNED)
    await outbox.add(
        session,
        [CustomerUpdated(**profile_of(customer), changed=changed, sequence=customer.version, updated_at=now)],
    )
    return to_read(customer)
