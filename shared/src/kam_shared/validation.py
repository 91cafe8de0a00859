"""What no service can store, refused where input enters: as a 422 naming the field, or a dead letter saying why.

PostgreSQL text cannot hold the NUL character (the statement fails with SQLSTATE 22021), while SQLite and every
Python model take it. Left alone, a NUL in a name is a 500 on PostgreSQL, or worse an event accepted with 202 and
dead-lettered later. No carrier's data needs it, so request bodies and events refuse it in every string, nested
ones included; identifiers and codes in paths and queries also refuse the other control characters."""

from typing import Any

from pydantic import BaseModel, field_validator

NUL = "\x00"
# For identifiers and codes: printable, any script.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]+$"


def contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, list | tuple):
        return any(contains_nul(item) for item in value)
    if isinstance(value, dict):
        return any(contains_nul(key) or contains_nul(item) for key, item in value.items())
    return False


def refuse_nul(value: Any) -> Any:
    if contains_nul(value):
        raise ValueError("must not contain the NUL character")
    return value


class RequestBody(BaseModel):
    """Base of request bodies: every string in them, nested ones included, is free of NUL."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return refuse_nul(value)
