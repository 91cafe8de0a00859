from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.paging import decode_cursor, encode_cursor
from kam_tiering.anomaly import repository
from kam_tiering.anomaly.schemas import AnomalyPage, AnomalyRead


async def list_anomalies(
    session: AsyncSession,
    *,
    month: str,
    branch: str | None,
    kind: str | None,
    cursor: str | None,
    limit: int,
    unit: str | None = None,
) -> AnomalyPage:
    after = decode_cursor(cursor, 2) if cursor else None
    rows = await repository.page(
        session, month=month, branch=branch, kind=kind, after=after, limit=limit + 1, unit=unit
    )
    items = [AnomalyRead.model_validate(row, from_attributes=True) for row in rows[:limit]]
    last = items[-1] if len(rows) > limit else None
    return AnomalyPage(items=items, next_cursor=encode_cursor(last.customer_id, last.kind) if last else None)
