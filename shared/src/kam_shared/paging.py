"""Opaque keyset page cursors: the sort key of a page's last item with a check tag, base64url-encoded.

A cursor carries a fixed number of key parts (ids, codes, instants as ISO text). Decoding refuses, as a 422 naming
the `cursor` parameter, anything this service did not issue: bad base64, the wrong number of parts, an empty part,
a part longer than the keys it pages through or holding a control character (NUL included, which PostgreSQL
cannot compare against), a cursor longer than any it could have issued, and one whose check tag does not match its
keys (a client's own base64 of anything). The tag tells a cursor the suite made from one it did not; it is no
secret and guards nothing a client could not ask for by other means."""

import base64
import binascii
import hashlib
import hmac
import re

from kam_shared.errors import InvalidInput

# Between key parts: a control character, so no part can hold it.
SEPARATOR = "\x1f"
# A key part is an id, a code or an instant of the tables paged through: never longer.
PART_MAX = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
TAG_BYTES = 6
_TAG_KEY = b"kam-page-cursor-1"


def _tag(raw: bytes) -> bytes:
    return hashlib.blake2b(raw, digest_size=TAG_BYTES, key=_TAG_KEY).digest()


class InvalidCursor(InvalidInput):
    def __init__(self) -> None:
        super().__init__("cursor is not one this service issued", field="cursor")


def encode_cursor(*parts: str) -> str:
    raw = SEPARATOR.join(parts).encode()
    return base64.urlsafe_b64encode(_tag(raw) + raw).decode().rstrip("=")


def decode_cursor(cursor: str, parts: int, *, part_max: int = PART_MAX) -> tuple[str, ...]:
    """The `parts` key parts `encode_cursor` put in `cursor`; `InvalidCursor` for anything else."""
    # The longest cursor these parts can make: every character four bytes in UTF-8, base64 without padding.
    longest = -(-(TAG_BYTES + parts * part_max * 4 + parts - 1) * 4 // 3)
    if len(cursor) > longest:
        raise InvalidCursor()
    try:
        decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        tag, body = decoded[:TAG_BYTES], decoded[TAG_BYTES:]
        if not hmac.compare_digest(tag, _tag(body)):
            raise InvalidCursor()
        raw = body.decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidCursor() from None
    found = tuple(raw.split(SEPARATOR))
    if len(found) != parts or any(not part or len(part) > part_max or _CONTROL.search(part) for part in found):
        raise InvalidCursor()
    return found
