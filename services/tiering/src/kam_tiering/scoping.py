"""Tiering's org-unit guards (kam_shared.security.scoping): a customer belongs to the branch the registry gave it.

A customer tiering has not been told about belongs to no branch: only a carrier-wide caller reaches it. Each guard
answers the 404 its route gives an unknown customer, so the answer tells nothing about other branches."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Path, Request

from kam_shared.errors import NotFound
from kam_shared.security.scoping import owned_by
from kam_shared.validation import NO_CONTROL_CHARACTERS
from kam_tiering.tier import repository

CustomerId = Annotated[
    str, Path(min_length=1, max_length=36, pattern=NO_CONTROL_CHARACTERS, description="the registry's customer id")
]


async def _customer_branch(request: Request, customer_id: str) -> str | None:
    return await repository.branch_of(request.app.state.runtime.reads, customer_id)


def own_customer(detail: str = "is not known to tiering"):
    """The guard of a route naming a customer; `detail` is what the route says of an unknown one."""
    not_found: Callable[[str], NotFound] = lambda customer_id: NotFound(f"customer {customer_id} {detail}")  # noqa: E731
    return owned_by("customer_id", CustomerId, _customer_branch, not_found)


OWN_CUSTOMER = own_customer()
