"""Who may relay a service's outbox: one replica at a time, and the lease really changes hands on release."""

import asyncio
import logging
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from kam_shared.db import advisory_key

log = logging.getLogger(__name__)


class Lease(Protocol):
    async def acquire(self) -> bool: ...

    async def release(self) -> None: ...


class LocalLease:
    """For an embedded database only this process can reach."""

    async def acquire(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class PostgresAdvisoryLease:
    """One active relay per service: the holder of a session-level advisory lock publishes, the others stand by."""

    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self._engine = engine
        self._key = advisory_key(name)
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> bool:
        if self._conn is not None:
            try:
                await self._conn.execute(text("SELECT 1"))
                # Never sit "idle in transaction": servers may kill such sessions, and the open snapshot
                # would hold back VACUUM for as long as the lease is held.
                await self._conn.commit()
                return True
            except Exception:
                # The session may be gone, and the lock with it; if not, dropping it is what frees the lock.
                broken, self._conn = self._conn, None
                await _discard(broken)
        conn = await self._engine.connect()
        try:
            held = (await conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key})).scalar()
            await conn.commit()
        except Exception:
            await conn.close()
            raise
        if not held:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def release(self) -> None:
        """Really gives the lease up: unlocks, and a connection that cannot confirm the unlock is discarded.

        Closing an AsyncConnection only returns it to the pool, and a session-level advisory lock lives as
        long as the server session: the pooled connection would keep the lease from every other replica."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            unlocked = (await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})).scalar()
            await conn.commit()
        except asyncio.CancelledError:
            await _discard(conn)
            raise
        except Exception:
            log.warning("unlocking the outbox lease failed; dropping its connection instead", exc_info=True)
            unlocked = False
        if unlocked is not True:
            await _discard(conn)
            return
        try:
            await conn.close()
        except Exception:
            log.debug("returning the lease connection failed", exc_info=True)


async def _discard(conn: AsyncConnection) -> None:
    """Closes the server session itself, and with it every session-level lock it held."""
    try:
        await conn.invalidate()
        await conn.close()
    except Exception:
        log.debug("discarding the lease connection failed", exc_info=True)
