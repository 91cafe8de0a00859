"""The hot read path: prepared Core selects run on the database driver itself, outside SQLAlchemy's session and pool.

Measured on two cores (one row by primary key, 32 connections): asyncpg alone answered about 3,000 req/s where the
same select through an AsyncSession answered about 220 and through an AsyncConnection about 940; the greenlet hop
and the pool checkout around one statement cost more than the statement. Routes that read one row or one page
run here; everything that writes, or reads inside a write, keeps the session.

- PostgreSQL: an asyncpg pool of the reader's own, in autocommit (each statement sees what is committed).
- SQLite: one read-only connection used on the event loop's thread. A lookup by key is a few microseconds from
  the page cache and WAL readers never wait for the writer, so a thread hop would cost more than the read.

Statements are SQLAlchemy Core selects with named `bindparam`s, compiled once per dialect; rows come back as
dicts keyed by the selected columns' keys, with the column types' result processing applied (an instant reads
back aware UTC on SQLite too)."""

import asyncio
import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.engine import Dialect
from sqlalchemy.engine.url import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Select

Row = dict[str, Any]


class Reads(Protocol):
    async def one(self, statement: Select, **params: Any) -> Row | None: ...

    async def all(self, statement: Select, **params: Any) -> list[Row]: ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class _Prepared:
    sql: str
    names: tuple[str, ...]
    defaults: Mapping[str, Any]
    binds: Mapping[str, Callable[[Any], Any]]
    keys: tuple[str, ...]
    results: tuple[Callable[[Any], Any] | None, ...]

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        values = []
        for name in self.names:
            value = params[name] if name in params else self.defaults[name]
            process = self.binds.get(name)
            values.append(process(value) if process is not None and value is not None else value)
        return values

    def row(self, values: Sequence[Any]) -> Row:
        return {
            key: (process(value) if process is not None else value)
            for key, process, value in zip(self.keys, self.results, values, strict=True)
        }


class _Statements:
    """Each statement compiled once for the dialect; statements are module-level constants, so the cache stays small."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._prepared: dict[int, tuple[Select, _Prepared]] = {}

    def prepare(self, statement: Select) -> _Prepared:
        found = self._prepared.get(id(statement))
        if found is not None and found[0] is statement:
            return found[1]
        compiled = statement.compile(dialect=self.dialect)
        if compiled.positiontup is None:
            raise TypeError(f"{self.dialect.name}: expected a positional parameter style")
        columns = list(statement.selected_columns)
        prepared = _Prepared(
            sql=compiled.string,
            names=tuple(compiled.positiontup),
            defaults={name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required},
            binds=dict(compiled._bind_processors),
            keys=tuple(column.key for column in columns),
            results=tuple(
                column.type.dialect_impl(self.dialect).result_processor(self.dialect, None) for column in columns
            ),
        )
        self._prepared[id(statement)] = (statement, prepared)
        return prepared


def _result_processor(column_type: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    return column_type.dialect_impl(dialect).result_processor(dialect, None)


class PostgresReads:
    def __init__(self, url: str | URL, dialect: Dialect, *, size: int) -> None:
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._statements = _Statements(dialect)
        self._size = size
        self._pool: Any = None
        self._opening = asyncio.Lock()

    async def _connections(self) -> Any:
        if self._pool is None:
            import asyncpg

            async with self._opening:
                if self._pool is None:
                    # Opened on first use: a database that is down at start is a 503 per request, not a failed start.
                    self._pool = await asyncpg.create_pool(
                        self._dsn, min_size=1, max_size=self._size, init=_json_codecs, command_timeout=30
                    )
        return self._pool

    async def one(self, statement: Select, **params: Any) -> Row | None:
        prepared = self._statements.prepare(statement)
        async with _unavailable_on_connection_loss():
            pool = await self._connections()
            found = await pool.fetchrow(prepared.sql, *prepared.arguments(params))
        return None if found is None else prepared.row(found)

    async def all(self, statement: Select, **params: Any) -> list[Row]:
        prepared = self._statements.prepare(statement)
        async with _unavailable_on_connection_loss():
            pool = await self._connections()
            found = await pool.fetch(prepared.sql, *prepared.arguments(params))
        return [prepared.row(record) for record in found]

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


async def _json_codecs(connection: Any) -> None:
    # As SQLAlchemy's asyncpg dialect does: json and jsonb arrive decoded.
    for name in ("json", "jsonb"):
        await connection.set_type_codec(name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


class SqliteReads:
    def __init__(self, path: str, dialect: Dialect) -> None:
        self._path = path
        self._statements = _Statements(dialect)
        self._connection: sqlite3.Connection | None = None

    def _rows(self, statement: Select, params: dict[str, Any], *, first_only: bool) -> list[Row]:
        prepared = self._statements.prepare(statement)
        if self._connection is None:
            connection = sqlite3.connect(f"file:{self._path}?mode=ro", uri=True, check_same_thread=False)
            connection.execute("PRAGMA busy_timeout=5000")
            self._connection = connection
        # The cursor is closed at once: an unfinished statement would hold its read snapshot.
        cursor = self._connection.cursor()
        try:
            cursor.execute(prepared.sql, prepared.arguments(params))
            found = cursor.fetchmany(1) if first_only else cursor.fetchall()
        finally:
            cursor.close()
        return [prepared.row(values) for values in found]

    async def one(self, statement: Select, **params: Any) -> Row | None:
        found = self._rows(statement, params, first_only=True)
        return found[0] if found else None

    async def all(self, statement: Select, **params: Any) -> list[Row]:
        return self._rows(statement, params, first_only=False)

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class EngineReads:
    """The same port through the service's engine: for an in-memory SQLite database (which no second connection
    can open) and for any other database without a driver path here."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def one(self, statement: Select, **params: Any) -> Row | None:
        async with self._engine.connect() as connection:
            found = (await connection.execute(statement, params)).first()
        return None if found is None else dict(zip(_keys(statement), found, strict=True))

    async def all(self, statement: Select, **params: Any) -> list[Row]:
        async with self._engine.connect() as connection:
            found = (await connection.execute(statement, params)).all()
        keys = _keys(statement)
        return [dict(zip(keys, values, strict=True)) for values in found]

    async def close(self) -> None:
        return None


def _keys(statement: Select) -> list[str]:
    return [column.key for column in statement.selected_columns]


def reads_for(engine: AsyncEngine, *, pool_size: int) -> Reads:
    """The fastest read path for the engine's database. `engine` should be the read-only one (read_only_engine)."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return SqliteReads(url.database, engine.dialect)
    if url.get_backend_name() == "postgresql" and url.get_driver_name() == "asyncpg":
        return PostgresReads(url, engine.dialect, size=pool_size)
    return EngineReads(engine)


class _unavailable_on_connection_loss:
    """Driver errors that mean the server cannot serve now become ConnectionError: the frame's 503 with Retry-After."""

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None, _tb: Any) -> bool:
        if error is None or isinstance(error, ConnectionError):
            return False
        import asyncpg

        sqlstate = getattr(error, "sqlstate", None)
        lost = isinstance(error, OSError | asyncpg.InterfaceError | asyncpg.ConnectionDoesNotExistError)
        if lost or (isinstance(sqlstate, str) and sqlstate.startswith(("08", "53", "57P"))):
            raise ConnectionError(f"the database cannot serve reads now: {error!r}"[:300]) from error
        return False
