"""Request bodies are strictly typed: what pydantic's lax mode would turn into a flag, a count or an instant is
refused, naming the field."""

from datetime import UTC, date, datetime

import pytest
from pydantic import AwareDatetime, Field, ValidationError

from kam_shared.validation import RequestBody


class Body(RequestBody):
    flag: bool = False
    count: int | None = Field(default=None, ge=0)
    share: float | None = None
    name: str = Field(min_length=1, max_length=50)
    note: str | None = Field(default=None, max_length=500)
    day: date | None = None
    at: AwareDatetime | None = None


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"flag": "yes"}, "flag"),
        ({"flag": 1}, "flag"),
        ({"flag": "true"}, "flag"),
        ({"count": True}, "count"),
        ({"count": "1"}, "count"),
        ({"count": 1.0}, "count"),
        ({"share": False}, "share"),
        ({"share": "0.5"}, "share"),
        ({"name": " \t "}, "name"),
        ({"name": "a\x07b"}, "name"),
        ({"note": "x\x7f"}, "note"),
        ({"day": 20000}, "day"),
        ({"at": 1764547200}, "at"),
    ],
)
def test_lax_values_are_refused(value, field):
    with pytest.raises(ValidationError) as raised:
        Body.model_validate({"name": "n", **value})

    assert [error["loc"] for error in raised.value.errors()] == [(field,)]


def test_strict_values_stand():
    body = Body.model_validate(
        {
            "flag": True,
            "count": 3,
            "share": 1,
            "name": "厦门 港务",
            "note": "line one\nline two\ttabbed\r\n",
            "day": "2026-01-02",
            "at": "2026-01-02T03:04:05+08:00",
        }
    )

    assert (body.flag, body.count, body.share, body.day) == (True, 3, 1, date(2026, 1, 2))
    assert body.at == datetime(2026, 1, 1, 19, 4, 5, tzinfo=UTC)


def test_an_optional_text_may_be_empty_and_absent_fields_keep_their_defaults():
    body = Body.model_validate({"name": "n", "note": ""})

    assert (body.note, body.flag, body.count) == ("", False, None)
