"""API keys: named, scoped, revocable, stored as a hash; the bootstrap key from the settings beside them."""

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from kam_shared.security.principal import SCOPES, Principal
from kam_shared.security.tables import SecurityTables

PREFIX = "kam"
_KEY = re.compile(r"^kam_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$")
BOOTSTRAP_ID = "admin"


def hash_key(presented: str) -> str:
    return hashlib.sha256(presented.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """A fresh (id, key): the id is public, the key is shown once and only its hash is stored."""
    key_id = secrets.token_hex(6)
    return key_id, f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"


@dataclass(frozen=True, slots=True)
class KeyRecord:
    id: str
    name: str
    scopes: list[str]
    org_unit: str | None
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    revoked_by: str | None


def _record(row) -> KeyRecord:
    return KeyRecord(
        id=row.id,
        name=row.name,
        scopes=list(row.scopes),
        org_unit=row.org_unit,
        created_at=row.created_at,
        created_by=row.created_by,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
    )


def unknown_scopes(scopes: list[str]) -> list[str]:
    return [scope for scope in scopes if scope not in SCOPES]


async def create_key(
    conn: AsyncConnection,
    tables: SecurityTables,
    *,
    name: str,
    scopes: list[str],
    org_unit: str | None,
    by: str,
    now: datetime,
) -> tuple[KeyRecord, str]:
    key_id, key = new_key()
    values = {
        "id": key_id,
        "name": name,
        "secret_hash": hash_key(key),
        "scopes": sorted(set(scopes)),
        "org_unit": org_unit,
        "created_at": now,
        "created_by": by,
        "revoked_at": None,
        "revoked_by": None,
    }
    await conn.execute(insert(tables.api_key).values(**values))
    values.pop("secret_hash")
    return KeyRecord(**values), key


async def list_keys(conn: AsyncConnection, tables: SecurityTables) -> list[KeyRecord]:
    rows = await conn.execute(select(tables.api_key).order_by(tables.api_key.c.created_at, tables.api_key.c.id))
    return [_record(row) for row in rows]


async def revoke_key(
    conn: AsyncConnection, tables: SecurityTables, key_id: str, *, by: str, now: datetime
) -> KeyRecord | None:
    """Revokes the key; None when there is no such key. Revoking a revoked key keeps its first revocation."""
    table = tables.api_key
    await conn.execute(
        update(table).where(table.c.id == key_id, table.c.revoked_at.is_(None)).values(revoked_at=now, revoked_by=by)
    )
    row = (await conn.execute(select(table).where(table.c.id == key_id))).first()
    return _record(row) if row else None


class KeyStore:
    """Resolves a presented key to its principal.

    A key found in the database is remembered for `cache_s` seconds, so the hot read path pays no lookup per
    request: a revocation takes effect on every replica within that time (and at once on the one that revoked)."""

    def __init__(
        self, engine: AsyncEngine | None, tables: SecurityTables | None, *, bootstrap_key: str | None, cache_s: float
    ) -> None:
        self._engine = engine
        self._tables = tables
        self._bootstrap = bootstrap_key
        self._cache_s = cache_s
        self._cache: dict[str, tuple[Principal | None, float]] = {}

    async def lookup(self, presented: str) -> Principal | None:
        if self._bootstrap and hmac.compare_digest(self._bootstrap.encode(), presented.encode()):
            return Principal(key_id=BOOTSTRAP_ID, scopes=frozenset({"admin"}), kind="bootstrap", name="bootstrap")
        match = _KEY.match(presented)
        if match is None or self._engine is None or self._tables is None:
            return None
        digest = hash_key(presented)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and now - cached[1] < self._cache_s:
            return cached[0]
        table = self._tables.api_key
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(table.c.id, table.c.name, table.c.scopes, table.c.org_unit).where(
                        table.c.secret_hash == digest, table.c.revoked_at.is_(None)
                    )
                )
            ).first()
        principal = (
            Principal(key_id=row.id, scopes=frozenset(row.scopes), kind="api-key", name=row.name, org_unit=row.org_unit)
            if row is not None
            else None
        )
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (principal, now)
        return principal

    def forget(self, key_id: str) -> None:
        """Drops a revoked key from this process's cache at once."""
        self._cache = {
            digest: entry for digest, entry in self._cache.items() if entry[0] is None or entry[0].key_id != key_id
        }
