"""What no service can store, refused where input enters: as a 422 naming the field, or a dead letter saying why.

PostgreSQL text cannot hold the NUL character (the statement fails with SQLSTATE 22021), while SQLite and every
Python model take it. Left alone, a NUL in a name is a 500 on PostgreSQL, or worse an event accepted with 202 and
dead-lettered later. No carrier's data needs it, so request bodies and events refuse it in every string, nested
ones included; identifiers and codes in paths and queries also refuse the other control characters."""

import re
from datetime import date, datetime, time
from types import UnionType
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

from pydantic import AwareDatetime, BaseModel, NaiveDatetime, ValidationInfo, field_validator
from pydantic.fields import FieldInfo

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


# Control characters a text may hold: tab and line breaks (descriptions, evidence, reasons have lines).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DATE_TYPES = (date, datetime, time)


def refuse_control_characters(value: str) -> str:
    found = _CONTROL.search(value)
    if found is not None:
        raise ValueError(f"must not contain the control character U+{ord(found.group()):04X}")
    return value


def _strip(annotation: Any) -> Any:
    """The type under Annotated[...] and Optional[...]; None for a union of several types."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, UnionType):
        members = [member for member in get_args(annotation) if member is not type(None)]
        return _strip(members[0]) if len(members) == 1 else None
    return annotation


def _kind(field: FieldInfo) -> str | None:
    annotation = _strip(field.annotation)
    if annotation is bool:
        return "bool"
    if annotation is int:
        return "int"
    if annotation is float:
        return "number"
    if annotation is str:
        required = any(getattr(rule, "min_length", 0) for rule in field.metadata)
        return "text" if required else "optional-text"
    if isinstance(annotation, type) and (
        issubclass(annotation, _DATE_TYPES) or annotation in (AwareDatetime, NaiveDatetime)
    ):
        return "date"
    return None


class RequestBody(BaseModel):
    """Base of request bodies. Types are strict, whatever pydantic's lax mode would turn into them:
    - a flag is `true` or `false`, never `"yes"` or `1`; a count is a JSON integer, never `true`, `"1"` or `1.0`;
    - a date or instant is written as text, never as a number (of days or Unix seconds);
    - text holds no control characters but tab and line breaks (and never NUL, nested strings included), and a
      required text is not blank.
    Each refusal is a 422 naming the field."""

    _kinds: ClassVar[dict[str, str | None]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._kinds = {name: _kind(field) for name, field in cls.model_fields.items()}

    @field_validator("*", mode="before")
    @classmethod
    def _strict(cls, value: Any, info: ValidationInfo) -> Any:
        refuse_nul(value)
        if value is None:
            return value
        kind = cls._kinds.get(info.field_name)
        if kind == "bool" and not isinstance(value, bool):
            raise ValueError("must be true or false")
        if kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError("must be a whole number written as a JSON integer")
        if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError("must be a number")
        if kind == "date" and isinstance(value, int | float):
            raise ValueError("must be written as text (ISO 8601), not as a number")
        if kind in ("text", "optional-text") and isinstance(value, str):
            refuse_control_characters(value)
            if kind == "text" and not value.strip():
                raise ValueError("must not be blank")
        return value
