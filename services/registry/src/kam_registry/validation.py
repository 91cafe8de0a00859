"""Limits of this service's identifiers (what no service can store is refused by kam_shared.validation)."""

from typing import Annotated

from fastapi import Path

from kam_shared.validation import NO_CONTROL_CHARACTERS

# A customer id as the registry issues them (a UUID) or as older data holds them: at most 36 characters.
CUSTOMER_ID_MAX = 36

# The path parameters naming the registry's objects (the routes and their org-unit guards validate them alike).
CustomerId = Annotated[str, Path(min_length=1, max_length=CUSTOMER_ID_MAX, pattern=NO_CONTROL_CHARACTERS)]
StaffId = Annotated[str, Path(min_length=1, max_length=36, pattern=NO_CONTROL_CHARACTERS)]
ClaimId = Annotated[str, Path(min_length=1, max_length=36, pattern=NO_CONTROL_CHARACTERS)]
AccountNoPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z][0-9A-Za-z._:/-]*$")]
