"""ETags of customers: the master data's version, strong. The tier is tiering's fact and not guarded by it."""

from kam_registry.customer.exceptions import IfMatchRequired, InvalidIfMatch
from kam_registry.customer.schemas import CustomerRead

ANY = -1


def etag_of(customer: CustomerRead) -> str:
    return f'"{customer.version}"'


def expected_version(if_match: str | None) -> int:
    """The version an If-Match names (`ANY` for `*`); a weak or foreign tag can never match (RFC 9110 §13.1.1)."""
    if if_match is None or not if_match.strip():
        raise IfMatchRequired()
    value = if_match.strip()
    if value == "*":
        return ANY
    tags = [tag.strip() for tag in value.split(",")]
    for tag in tags:
        if len(tag) >= 3 and tag[0] == tag[-1] == '"' and tag[1:-1].isdigit() and len(tag) <= 20:
            return int(tag[1:-1])
    raise InvalidIfMatch(value)
