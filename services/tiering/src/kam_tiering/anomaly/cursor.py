"""Opaque page cursors: the sort key of the last item of a page, base64url-encoded."""

import base64
import binascii

from kam_shared.errors import InvalidInput

# A key part is an id or a name of the tables it pages through: never longer, never holding NUL.
PART_MAX = 100


def encode_cursor(*parts: str) -> str:
    raw = "\x1f".join(parts)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, parts: int) -> tuple[str, ...]:
    invalid = InvalidInput("cursor is not one this service issued", field="cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid from None
    found = tuple(raw.split("\x1f"))
    if len(found) != parts or any(not part or len(part) > PART_MAX or "\x00" in part for part in found):
        raise invalid
    return found
