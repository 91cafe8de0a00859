"""Limits of this service's identifiers (what no service can store is refused by kam_shared.validation)."""

from typing import Annotated

from fastapi import Path

from kam_shared.validation import NO_CONTROL_CHARACTERS

# Customer and ticket ids: at most 36 characters (a UUID), as their columns hold them.
ID_MAX = 36

# The path parameters naming them (the routes and their org-unit guards validate them alike).
CustomerId = Annotated[str, Path(min_length=1, max_length=ID_MAX, pattern=NO_CONTROL_CHARACTERS)]
TicketId = Annotated[str, Path(min_length=1, max_length=ID_MAX, pattern=NO_CONTROL_CHARACTERS)]
