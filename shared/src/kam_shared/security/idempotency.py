"""`Idempotency-Key` on POSTs: a retry with the same key and the same body gets the first answer again, with the
same status, instead of doing the work twice; the same key with another body is a 422.

Keys belong to a caller (an API key, a token's `sub`), so two partners may use the same key. The first request
claims the key before it runs; a request arriving while it runs gets a 409 with `Retry-After`. An answer is kept
for `RETENTION`; 5xx answers and the refusals of the frame (401, 403, 408, 413, 429) are not kept, so a retry runs
again. A claim left by a process that died while running its request is taken over after `ABANDONED_AFTER`: the
work may then run twice, which the suite's own keys (a billing id, a customer's USCC) absorb."""

import hashlib
import re
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from kam_shared.clock import Clock
from kam_shared.db import insert_ignoring_conflicts
from kam_shared.errors import FieldError, problem_response
from kam_shared.security.principal import Principal
from kam_shared.security.tables import SecurityTables
from kam_shared.security.tokens import InvalidToken

HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
RETENTION = timedelta(hours=24)
ABANDONED_AFTER = timedelta(minutes=2)
_NOT_KEPT = frozenset({401, 403, 408, 413, 429})
_BODY_KEPT_MAX = 1024 * 1024
# What a replayed answer carries again besides its body (content-length is computed).
_HEADERS_KEPT = frozenset({b"content-type", b"location", b"etag", b"content-location"})
_SWEEP_EVERY = 500


class IdempotencyStore:
    def __init__(self, engine: AsyncEngine, tables: SecurityTables, clock: Clock) -> None:
        self._engine = engine
        self._table = tables.idempotency_key
        self._clock = clock
        self._claims = 0

    async def claim(self, caller: str, key: str, fingerprint: str) -> Any:
        """None when this request now holds the key; else the row found (an answer, or a claim in progress)."""
        table = self._table
        now = self._clock.now()
        self._claims += 1
        async with self._engine.begin() as conn:
            if self._claims % _SWEEP_EVERY == 0:
                await conn.execute(delete(table).where(table.c.created_at < now - RETENTION))
            inserted = await conn.execute(
                insert_ignoring_conflicts(table, self._engine.dialect.name, ["caller", "key"]).values(
                    caller=caller, key=key, fingerprint=fingerprint, created_at=now
                )
            )
            if inserted.rowcount == 1:
                return None
            found = (await conn.execute(select(table).where(table.c.caller == caller, table.c.key == key))).first()
            if found is None:
                return None  # swept between the two statements: nothing holds the key
            stale = found.created_at < now - (RETENTION if found.status is not None else ABANDONED_AFTER)
            if stale:
                taken = await conn.execute(
                    update(table)
                    .where(table.c.caller == caller, table.c.key == key, table.c.created_at == found.created_at)
                    .values(fingerprint=fingerprint, created_at=now, status=None, headers=None, body=None)
                )
                if taken.rowcount == 1:
                    return None
            return found

    async def complete(self, caller: str, key: str, *, status: int, headers: list[list[str]], body: bytes) -> None:
        table = self._table
        async with self._engine.begin() as conn:
            await conn.execute(
                update(table)
                .where(table.c.caller == caller, table.c.key == key)
                .values(status=status, headers=headers, body=body)
            )

    async def release(self, caller: str, key: str) -> None:
        table = self._table
        async with self._engine.begin() as conn:
            await conn.execute(delete(table).where(table.c.caller == caller, table.c.key == key))


async def _caller(app: Any, headers: dict[bytes, bytes]) -> Principal | None:
    security = app.state.security
    api_key = headers.get(b"x-api-key")
    if api_key:
        return await security.keys.lookup(api_key.decode("latin-1"))
    authorization = headers.get(b"authorization", b"").decode("latin-1")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials:
        try:
            return await security.tokens.verify(credentials.strip())
        except InvalidToken:
            return None
    return None


class IdempotencyMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        headers = dict(scope.get("headers", ())) if scope["type"] == "http" else {}
        presented = headers.get(HEADER.lower().encode())
        if presented is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        key = presented.decode("latin-1")
        if not _KEY.match(key):
            reason = "must be 1 to 200 visible ASCII characters"
            response = problem_response(
                422, f"{HEADER} {reason}", slug="invalid-input", errors=[FieldError(HEADER, reason)]
            )
            await response(scope, receive, send)
            return
        app = scope["app"]
        principal = await _caller(app, headers)
        if principal is None:  # the route refuses it (401) and the frame records the refusal
            await self.app(scope, receive, send)
            return
        messages, body = [], b""
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        path = scope.get("path", "")
        fingerprint = hashlib.sha256(b"\n".join([b"POST", path.encode(), body])).hexdigest()
        store: IdempotencyStore = app.state.idempotency
        caller = principal.rate_key[:220]
        found = await store.claim(caller, key, fingerprint)
        if found is not None:
            await self._answer_again(found, fingerprint, scope, receive, send)
            return
        replay = iter(messages)

        async def replay_receive() -> dict:
            try:
                return next(replay)
            except StopIteration:
                return await receive()

        start: dict | None = None
        parts: list[bytes] = []

        async def keep(message: dict) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await self._settle(store, caller, key, start, b"".join(parts))
                    await send(start)
                    await send({"type": "http.response.body", "body": b"".join(parts)})
                return
            await send(message)

        try:
            await self.app(scope, replay_receive, keep)
        except BaseException:
            await store.release(caller, key)
            raise

    @staticmethod
    async def _settle(store: IdempotencyStore, caller: str, key: str, start: dict | None, body: bytes) -> None:
        status = start["status"] if start else 500
        if status >= 500 or status in _NOT_KEPT or len(body) > _BODY_KEPT_MAX:
            await store.release(caller, key)
            return
        kept = [
            [name.decode("latin-1"), value.decode("latin-1")]
            for name, value in start.get("headers", ())
            if name.lower() in _HEADERS_KEPT
        ]
        await store.complete(caller, key, status=status, headers=kept, body=body)

    @staticmethod
    async def _answer_again(found: Any, fingerprint: str, scope: dict, receive: Any, send: Any) -> None:
        if found.status is None:
            response = problem_response(
                409, f"a request with this {HEADER} is still running", slug="conflict", headers={"Retry-After": "1"}
            )
        elif found.fingerprint != fingerprint:
            response = problem_response(
                422,
                f"this {HEADER} was used with another request; use a new key for a new request",
                slug="invalid-input",
                errors=[FieldError(HEADER, "was used with another request")],
            )
        else:
            await send(
                {
                    "type": "http.response.start",
                    "status": found.status,
                    "headers": [
                        *((name.encode("latin-1"), value.encode("latin-1")) for name, value in found.headers),
                        (b"content-length", str(len(found.body)).encode()),
                        (b"idempotent-replayed", b"true"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": found.body})
            return
        await response(scope, receive, send)
