"""Lists of customers: filters, search by name or code, keyset pages."""

import base64
import binascii
import dataclasses
from collections.abc import Sequence

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.customer import repository
from kam_registry.customer.repository import CustomerFilter
from kam_registry.customer.schemas import CustomerPage
from kam_registry.customer.service import normalise_name, to_read
from kam_shared.errors import InvalidInput

MAX_PAGE = 200
DEFAULT_PAGE = 50


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        last_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("not a cursor this service issued", field="cursor") from None
    if not last_id or not last_id.isprintable():
        raise InvalidInput("not a cursor this service issued", field="cursor")
    return last_id


async def list_customers(
    session: AsyncSession,
    *,
    where: CustomerFilter,
    cursor: str | None,
    limit: int,
    extra: Sequence[ColumnElement[bool]] = (),
) -> CustomerPage:
    if where.q:
        where = dataclasses.replace(where, normalised_q=normalise_name(where.q) or None)
    rows = await repository.page(
        session, where, after_id=decode_cursor(cursor) if cursor else None, limit=limit, extra=extra
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return CustomerPage(
        items=[to_read(row) for row in rows], next_cursor=encode_cursor(rows[-1].id) if more and rows else None
    )
