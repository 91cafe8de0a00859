"""Engines, sessions and the few dialect differences the services must not care about."""

import hashlib
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import registry
from sqlalchemy.sql import Insert
from sqlalchemy.sql.schema import Table
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator):
    """An instant: refuses naive datetimes, stores UTC, and reads back aware UTC on every database (SQLite too)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: instants must be time-zone aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def new_registry() -> registry:
    """Each service gets its own metadata, so four services can share one process without sharing tables."""
    return registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def sqlite_url(data_dir: Path, name: str) -> str:
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{(data_dir / f'{name}.db').resolve()}"


@dataclass(frozen=True)
class PoolSettings:
    """PostgreSQL connection pool of one process. No pre-ping per checkout (a round trip on every request):
    connections are replaced after `recycle_s`, and a connection found dead makes SQLAlchemy invalidate it and
    every connection pooled before it, so a database restart costs the requests that were using one."""

    size: int = 20
    max_overflow: int = 0
    timeout_s: float = 30
    recycle_s: float = 1800


# Execution option marking an engine whose transactions only read (see read_only_engine).
READ_ONLY = "kam_read_only"


def create_engine(url: str, *, echo: bool = False, pool: PoolSettings | None = None) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    pool = pool or PoolSettings()
    return create_async_engine(
        url,
        echo=echo,
        pool_size=pool.size,
        max_overflow=pool.max_overflow,
        pool_timeout=pool.timeout_s,
        pool_recycle=pool.recycle_s,
        pool_pre_ping=False,
    )


def read_only_engine(engine: AsyncEngine) -> AsyncEngine:
    """The same pool, for work that only reads: on SQLite a deferred transaction (a snapshot, no write lock), on
    PostgreSQL autocommit (no BEGIN/COMMIT round trips; each statement reads committed data, as READ COMMITTED
    would). What is written through it is not kept on SQLite and is committed at once on PostgreSQL: write
    through the ordinary engine."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{READ_ONLY: True})
    return engine.execution_options(isolation_level="AUTOCOMMIT", **{READ_ONLY: True})


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions start (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Take the write lock up front: a deferred transaction that later upgrades to a writer can fail
        # with SQLITE_BUSY at once instead of waiting on busy_timeout. Reads need no lock: in WAL mode a
        # deferred transaction reads one snapshot while a writer works.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commits when the block ends normally, rolls back when it raises."""
    async with sessions() as session, session.begin():
        yield session


def insert_ignoring_conflicts(table: Table, dialect_name: str, index_elements: Sequence[str]) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING, for idempotent writes keyed by a natural id."""
    stmt = _dialect_insert(table, dialect_name)
    return stmt.on_conflict_do_nothing(index_elements=list(index_elements))


def upsert_adding(
    table: Table, dialect_name: str, index_elements: Sequence[str], added: Iterable[str], replaced: Iterable[str] = ()
) -> Insert:
    """INSERT ... ON CONFLICT DO UPDATE SET col = col + excluded.col: accumulates counters in one statement."""
    stmt = _dialect_insert(table, dialect_name)
    updates = {name: table.c[name] + stmt.excluded[name] for name in added}
    updates.update({name: stmt.excluded[name] for name in replaced})
    return stmt.on_conflict_do_update(index_elements=list(index_elements), set_=updates)


def _dialect_insert(table: Table, dialect_name: str) -> Any:
    if dialect_name == "postgresql":
        return postgresql.insert(table)
    if dialect_name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no upsert for dialect {dialect_name}")


def advisory_key(name: str) -> int:
    """A PostgreSQL advisory-lock key from a name: 64 bits of its hash."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


async def lock_for_transaction(session: AsyncSession, names: Iterable[str]) -> None:
    """Serialises transactions that work on the same named things, until they end.

    PostgreSQL: transaction-scoped advisory locks, taken in one order so two transactions cannot deadlock on
    them. SQLite needs none: BEGIN IMMEDIATE already lets one writer in at a time."""
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted({advisory_key(name) for name in names})
    if keys:
        await session.execute(
            text(
                "SELECT pg_advisory_xact_lock(key)"
                " FROM (SELECT unnest(CAST(:keys AS bigint[])) AS key ORDER BY key) AS ordered"
            ),
            {"keys": keys},
        )


async def ping(engine: AsyncEngine) -> None:
    async with read_only_engine(engine).connect() as conn:
        await conn.execute(text("SELECT 1"))
