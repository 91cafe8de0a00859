"""Lists of customers: filters, search by name or code, keyset pages."""

import dataclasses
from collections.abc import Sequence

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.customer import repository
from kam_registry.customer.repository import CustomerFilter
from kam_registry.customer.schemas import CustomerPage
from kam_registry.customer.service import normalise_name, to_read
from kam_shared.paging import decode_cursor, encode_cursor

MAX_PAGE = 200
DEFAULT_PAGE = 50


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
        session, where, after_id=decode_cursor(cursor, 1)[0] if cursor else None, limit=limit, extra=extra
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return CustomerPage(
        items=[to_read(row) for row in rows], next_cursor=encode_cursor(rows[-1].id) if more and rows else None
    )
