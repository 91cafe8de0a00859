from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.errors import NotFound
from kam_shared.paging import decode_cursor, encode_cursor
from kam_tiering.rfm import repository
from kam_tiering.rfm.schemas import RfmPage, RfmRead


async def rfm_of(session: AsyncSession, customer_id: str, *, month: str | None) -> RfmRead:
    month = month or await repository.latest_month(session, customer_id)
    row = await repository.score_of(session, customer_id, month) if month else None
    if row is None:
        raise NotFound(f"customer {customer_id} has no RFM score")
    return RfmRead.model_validate(row, from_attributes=True)


async def list_scores(
    session: AsyncSession,
    *,
    month: str | None,
    segment: str | None,
    cursor: str | None,
    limit: int,
    unit: str | None = None,
) -> RfmPage:
    after = decode_cursor(cursor, 1)[0] if cursor else None
    month = month or await repository.latest_month(session)
    if month is None:
        return RfmPage(month=None, items=[], next_cursor=None)
    rows = await repository.page(session, month=month, segment=segment, after=after, limit=limit + 1, unit=unit)
    items = [RfmRead.model_validate(row, from_attributes=True) for row in rows[:limit]]
    next_cursor = encode_cursor(items[-1].customer_id) if len(rows) > limit else None
    return RfmPage(month=month, items=items, next_cursor=next_cursor)
