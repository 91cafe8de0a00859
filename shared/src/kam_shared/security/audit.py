"""The append-only audit trail: every change made through the API and every refused credential or scope.

A change is recorded in the transaction that makes it (the request's), so there is no change without its entry
and no entry for a change rolled back. A refusal is recorded on its own connection, since nothing else is written."""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from fastapi import Request
from sqlalchemy import and_, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from kam_shared.clock import Clock
from kam_shared.security.principal import Principal
from kam_shared.security.tables import SecurityTables

log = logging.getLogger(__name__)

Outcome = Literal["changed", "unauthorized", "forbidden"]
OUTCOMES: tuple[Outcome, ...] = ("changed", "unauthorized", "forbidden")
_PART_MAX = 100


def _cut(value: Any, limit: int) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _route(request: Request) -> str:
    templates = getattr(request.app.state, "route_templates", None)
    template = templates.of(request.scope) if templates is not None else None
    return _cut(template if template and template != "unmatched" else request.url.path, 300)


def entry(request: Request, *, principal: Principal | None, outcome: Outcome, status: int, at: datetime) -> dict:
    client = request.client.host if request.client else None
    agent = request.headers.get("user-agent")
    return {
        "at": at,
        "actor": principal.key_id if principal else "anonymous",
        "actor_kind": principal.kind if principal else "anonymous",
        "org_unit": principal.org_unit if principal else None,
        "outcome": outcome,
        "method": request.method[:10],
        "route": _route(request),
        # Path parameters say which object; the body is not kept (it may hold personal data or secrets).
        "target": {_cut(name, _PART_MAX): _cut(value, _PART_MAX) for name, value in request.path_params.items()},
        "status": status,
        "client": _cut(client, 100) if client else None,
        "user_agent": _cut(agent, 200) if agent else None,
    }


@dataclass(frozen=True, slots=True)
class AuditQuery:
    actor: str | None = None
    outcome: Outcome | None = None
    since: datetime | None = None
    until: datetime | None = None
    after: tuple[datetime, int] | None = None
    limit: int = 50


class AuditLog:
    def __init__(self, engine: AsyncEngine, tables: SecurityTables, clock: Clock) -> None:
        self._engine = engine
        self._table = tables.audit_entry
        self._clock = clock

    async def record_change(self, session: AsyncSession, request: Request, principal: Principal | None) -> None:
        route = request.scope.get("route")
        status = getattr(route, "status_code", None) or 200
        values = entry(request, principal=principal, outcome="changed", status=status, at=self._clock.now())
        await session.execute(insert(self._table).values(**values))

    async def record_change_alone(self, request: Request, principal: Principal | None) -> None:
        route = request.scope.get("route")
        status = getattr(route, "status_code", None) or 200
        values = entry(request, principal=principal, outcome="changed", status=status, at=self._clock.now())
        async with self._engine.begin() as conn:
            await conn.execute(insert(self._table).values(**values))

    async def record_refusal(
        self, request: Request, *, principal: Principal | None, outcome: Outcome, status: int
    ) -> None:
        values = entry(request, principal=principal, outcome=outcome, status=status, at=self._clock.now())
        try:
            async with self._engine.begin() as conn:
                await conn.execute(insert(self._table).values(**values))
        except Exception:
            # The refusal stands either way; a database that cannot take the entry is reported, not hidden.
            log.exception("cannot record a refused request in the audit trail", extra={"route": values["route"]})

    async def page(self, conn: AsyncConnection, query: AuditQuery) -> list:
        table = self._table
        conditions = []
        if query.actor is not None:
            conditions.append(table.c.actor == query.actor)
        if query.outcome is not None:
            conditions.append(table.c.outcome == query.outcome)
        if query.since is not None:
            conditions.append(table.c.at >= query.since)
        if query.until is not None:
            conditions.append(table.c.at < query.until)
        if query.after is not None:
            at, entry_id = query.after
            conditions.append(or_(table.c.at < at, and_(table.c.at == at, table.c.id < entry_id)))
        statement = (
            select(table).where(*conditions).order_by(table.c.at.desc(), table.c.id.desc()).limit(query.limit + 1)
        )
        return list(await conn.execute(statement))
