"""The read path on the driver: the same rows, typed the same, as the engine gives (SQLite file and PostgreSQL)."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import JSON, Boolean, Column, Date, Integer, MetaData, String, Table, and_, bindparam, select

from kam_shared.db import UtcDateTime, create_engine, read_only_engine
from kam_shared.reads import EngineReads, PostgresReads, SqliteReads, reads_for

metadata = MetaData()
things = Table(
    "thing",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("amount_minor", Integer, nullable=False),
    Column("flag", Boolean, nullable=False),
    Column("on_day", Date),
    Column("at", UtcDateTime()),
    Column("details", JSON, nullable=False),
)
BY_ID = select(*things.c).where(things.c.id == bindparam("thing_id"))
PAGE = (
    select(things.c.id, things.c.at)
    .where(and_(things.c.amount_minor >= bindparam("least"), things.c.id > bindparam("after")))
    .order_by(things.c.id)
    .limit(bindparam("limit"))
)
ROWS = [
    {
        "id": f"T-{index}",
        "amount_minor": 100 * index,
        "flag": index % 2 == 0,
        "on_day": date(2026, 1, 1) + timedelta(days=index),
        "at": datetime(2026, 3, 1, 8, index, tzinfo=timezone(timedelta(hours=8))),
        "details": {"index": index, "names": ["甲", "乙"]},
    }
    for index in range(1, 6)
]


@pytest.fixture
async def engine(database_url):
    engine = create_engine(await database_url("reads"))
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(things.insert(), ROWS)
    yield engine
    await engine.dispose()


async def engine_rows(engine, statement, **params) -> list[dict]:
    async with engine.connect() as connection:
        return [dict(row._mapping) for row in await connection.execute(statement, params)]


class TestTheDriverPath:
    async def test_the_driver_path_is_taken_for_a_file_or_a_postgresql_server(self, engine):
        reads = reads_for(read_only_engine(engine), pool_size=2)
        try:
            expected = PostgresReads if engine.dialect.name == "postgresql" else SqliteReads
            assert isinstance(reads, expected)
        finally:
            await reads.close()

    async def test_a_row_reads_back_as_the_engine_reads_it_with_aware_utc_instants(self, engine):
        reads = reads_for(read_only_engine(engine), pool_size=2)
        try:
            found = await reads.one(BY_ID, thing_id="T-3")
            assert found == (await engine_rows(engine, BY_ID, thing_id="T-3"))[0]
            assert found["at"] == datetime(2026, 3, 1, 0, 3, tzinfo=UTC)
            assert found["at"].utcoffset() == timedelta(0)
            assert found["on_day"] == date(2026, 1, 4)
            assert found["flag"] is False
            assert found["details"] == {"index": 3, "names": ["甲", "乙"]}
            assert await reads.one(BY_ID, thing_id="nobody") is None
        finally:
            await reads.close()

    async def test_a_page_takes_every_parameter_in_place_and_keeps_the_order(self, engine):
        reads = reads_for(read_only_engine(engine), pool_size=2)
        try:
            page = await reads.all(PAGE, least=200, after="T-2", limit=2)
            assert [row["id"] for row in page] == ["T-3", "T-4"]
            assert page == await engine_rows(engine, PAGE, least=200, after="T-2", limit=2)
        finally:
            await reads.close()

    async def test_the_engine_path_gives_the_same_rows(self, engine):
        reads = EngineReads(read_only_engine(engine))
        assert await reads.one(BY_ID, thing_id="T-1") == (await engine_rows(engine, BY_ID, thing_id="T-1"))[0]
        assert await reads.all(PAGE, least=0, after="", limit=10) == await engine_rows(
            engine, PAGE, least=0, after="", limit=10
        )


class TestAServerThatCannotServe:
    async def test_a_postgresql_server_that_refuses_connections_is_a_connection_error(self):
        engine = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/nothing")
        reads = reads_for(read_only_engine(engine), pool_size=1)
        try:
            with pytest.raises(ConnectionError):
                await reads.one(BY_ID, thing_id="T-1")
        finally:
            await reads.close()
            await engine.dispose()
