"""What this service refuses in any request before it reaches the database, as a 422 rather than a 500.

PostgreSQL text cannot hold the NUL character (asyncpg fails the statement), so NUL is refused everywhere;
identifiers and codes in paths and queries also refuse the other control characters and absurd lengths."""

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


class RequestBody(BaseModel):
    """Base of request bodies: every string in them, nested ones included, is free of NUL."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if contains_nul(value):
            raise ValueError("must not contain the NUL character")
        return value


# Customer and ticket ids: at most 36 characters (a UUID), as their columns hold them.
ID_MAX = 36
