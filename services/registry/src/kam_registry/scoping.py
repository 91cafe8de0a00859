"""The registry's org-unit guards: the unit of the object each path parameter names (kam_shared.security.scoping).

A customer belongs to its branch, a staff member and a claim to their unit, a billing account to the customer
holding it (after a move-out, the last one)."""

from fastapi import Request

from kam_registry.billing_account import repository as accounts
from kam_registry.billing_account.exceptions import BillingAccountNotFound
from kam_registry.claim import repository as claims
from kam_registry.claim.exceptions import ClaimNotFound
from kam_registry.customer import repository as customers
from kam_registry.customer.exceptions import CustomerNotFound
from kam_registry.staff import repository as staff
from kam_registry.staff.exceptions import StaffNotFound
from kam_registry.validation import AccountNoPath, ClaimId, CustomerId, StaffId
from kam_shared.security.scoping import owned_by


async def _customer_branch(request: Request, customer_id: str) -> str | None:
    return await customers.branch_of(request.app.state.runtime.reads, customer_id)


async def _staff_unit(request: Request, staff_id: str) -> str | None:
    return await staff.unit_of(request.app.state.runtime.reads, staff_id)


async def _claim_unit(request: Request, claim_id: str) -> str | None:
    return await claims.unit_of(request.app.state.runtime.reads, claim_id)


async def _account_branch(request: Request, account_no: str) -> str | None:
    return await accounts.holder_branch(request.app.state.runtime.reads, account_no)


OWN_CUSTOMER = owned_by("customer_id", CustomerId, _customer_branch, CustomerNotFound)
OWN_STAFF = owned_by("staff_id", StaffId, _staff_unit, StaffNotFound)
OWN_CLAIM = owned_by("claim_id", ClaimId, _claim_unit, ClaimNotFound)
OWN_ACCOUNT = owned_by("account_no", AccountNoPath, _account_branch, BillingAccountNotFound)
