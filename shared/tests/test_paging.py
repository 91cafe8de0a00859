"""Opaque page cursors: what a service issues it reads back; anything else is a 422 naming the cursor."""

import base64

import pytest

from kam_shared.paging import PART_MAX, InvalidCursor, _tag, decode_cursor, encode_cursor


def raw(text: str) -> str:
    """A cursor with a valid check tag around any text: what the part rules alone must refuse."""
    body = text.encode()
    return base64.urlsafe_b64encode(_tag(body) + body).decode().rstrip("=")


@pytest.mark.parametrize(
    "parts",
    [("c-1",), ("c-1", "revenue-drop"), ("2026-01-01T00:00:00+00:00", "t-1"), ("Åsa Öberg",), ("x" * PART_MAX,) * 3],
)
def test_a_cursor_the_service_issued_reads_back_as_the_same_keys(parts):
    cursor = encode_cursor(*parts)

    assert decode_cursor(cursor, len(parts)) == parts
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize(
    ("cursor", "parts"),
    [
        ("!!not-base64", 1),
        ("not-a-cursor", 1),
        (raw(""), 1),
        (base64.urlsafe_b64encode(b"\xff\xfe").decode(), 1),
        (encode_cursor("c-1"), 2),
        (encode_cursor("c-1", "kind"), 1),
        (encode_cursor("c-1", ""), 2),
        (encode_cursor("a\x00b"), 1),
        (encode_cursor("a\nb"), 1),
        (encode_cursor("x" * (PART_MAX + 1)), 1),
        ("A" * 10_000, 1),
    ],
)
def test_anything_else_is_refused_as_invalid_input_naming_the_cursor(cursor, parts):
    with pytest.raises(InvalidCursor) as refused:
        decode_cursor(cursor, parts)

    assert [error.field for error in refused.value.errors] == ["cursor"]
    assert refused.value.status == 422


@pytest.mark.parametrize("parts", [1, 2, 3])
def test_the_length_bound_still_admits_the_longest_cursor_the_service_can_issue(parts):
    keys = ("\U0001f600" * PART_MAX,) * parts

    assert decode_cursor(encode_cursor(*keys), parts) == keys


@pytest.mark.parametrize(
    "forged",
    [
        base64.urlsafe_b64encode(b'{"id": "x"}').decode().rstrip("="),
        base64.urlsafe_b64encode(b"some-id").decode().rstrip("="),
        base64.urlsafe_b64encode(b"\x00" * 6 + b"some-id").decode().rstrip("="),
    ],
    ids=["json", "bare-key", "wrong-tag"],
)
def test_a_cursor_this_service_did_not_issue_is_refused_even_when_it_decodes(forged):
    with pytest.raises(InvalidCursor):
        decode_cursor(forged, 1)


def test_an_altered_cursor_is_refused():
    issued = encode_cursor("customer-0001")
    raw = base64.urlsafe_b64decode(issued + "=" * (-len(issued) % 4))
    altered = base64.urlsafe_b64encode(raw[:-1] + b"2").decode().rstrip("=")

    assert decode_cursor(issued, 1) == ("customer-0001",)
    with pytest.raises(InvalidCursor):
        decode_cursor(altered, 1)
