"""The inbox migration re-keys existing inboxes on (consumer, source, event_id) and keeps what they remember."""

import asyncio
import importlib
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from kam_shared.db import create_engine
from kam_shared.messaging.tables import LEGACY_SOURCE
from kam_shared.migrations import alembic_config

PACKAGES = {
    "registry": "kam_registry",
    "tiering": "kam_tiering",
    "service-desk": "kam_service_desk",
    "reporting": "kam_reporting",
}
MIGRATION = "inbox keyed by event source and id"


def migrations_of(service: str) -> Path:
    return Path(importlib.import_module(PACKAGES[service]).__file__).parent / "migrations"


def revision_before_rekeying(config) -> str:
    [rekeying] = [script for script in ScriptDirectory.from_config(config).walk_revisions() if script.doc == MIGRATION]
    return rekeying.down_revision


async def inbox_state(url: str) -> tuple[list[str], list[tuple]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            key = await conn.run_sync(lambda sync: inspect(sync).get_pk_constraint("inbox")["constrained_columns"])
            columns = await conn.run_sync(lambda sync: [c["name"] for c in inspect(sync).get_columns("inbox")])
            wanted = ", ".join(name for name in ("consumer", "source", "event_id") if name in columns)
            rows = (await conn.execute(text(f"SELECT {wanted} FROM inbox ORDER BY event_id"))).all()
    finally:
        await engine.dispose()
    return key, [tuple(row) for row in rows]


@pytest.mark.parametrize("service", list(PACKAGES))
async def test_the_inbox_is_rekeyed_with_its_entries_kept_as_legacy_and_can_be_downgraded(service, database_url):
    url = await database_url(service)
    config = alembic_config(migrations_of(service), url)
    before = revision_before_rekeying(config)
    await asyncio.to_thread(command.upgrade, config, before)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO inbox (consumer, event_id, event_type, processed_at)"
                    " VALUES ('tally', 'evt-1', 'customer.registered', CURRENT_TIMESTAMP)"
                )
            )
    finally:
        await engine.dispose()

    await asyncio.to_thread(command.upgrade, config, "head")
    assert await inbox_state(url) == (["consumer", "source", "event_id"], [("tally", LEGACY_SOURCE, "evt-1")])

    await asyncio.to_thread(command.downgrade, config, before)
    assert await inbox_state(url) == (["consumer", "event_id"], [("tally", "evt-1")])
