"""Opaque keyset page cursors: the sort key of a page's last item, base64url-encoded.

A cursor carries a fixed number of key parts (ids, codes, instants as ISO text). Decoding refuses, as a 422 naming
the `cursor` parameter, anything this service did not issue: bad base64, the wrong number of parts, an empty part,
a part longer than the keys it pages through or holding a control character (NUL included, which PostgreSQL
cannot compare against), and a cursor longer than any it could have issued."""

import base64
import binascii
import re

from kam_shared.errors import InvalidInput

# Between key parts: a control character, so no part can hold it.
SEPARATOR = "\x1f"
# A key part is an id, a code or an instant of the tables paged through: never longer.
PART_MAX = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class InvalidCursor(InvalidInput):
    def __init__(self) -> None:
        super().__init__("cursor is not one this service issued", field="cursor")


def encode_cursor(*parts: str) -> str:
    raw = SEPARATOR.join(parts)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, parts: int, *, part_max: int = PART_MAX) -> tuple[str, ...]:
    """The `parts` key parts `encode_cursor` put in `cursor`; `InvalidCursor` for anything else."""
    # The longest cursor these parts can make: every character four bytes in UTF-8, base64 without padding.
    longest = -(-(parts * part_max * 4 + parts - 1) * 4 // 3)
    if len(cursor) > longest:
        raise InvalidCursor()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidCursor() from None
    found = tuple(raw.split(SEPARATOR))
    if len(found) != parts or any(not part or len(part) > part_max or _CONTROL.search(part) for part in found):
        raise InvalidCursor()
    return found
