"""Alembic plumbing every service's migrations/env.py uses, and programmatic upgrade for start-up."""

import asyncio
from collections.abc import Callable
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from kam_shared.db import UtcDateTime, create_engine


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    # Migrations stay plain SQLAlchemy: the UTC handling lives in the model type, not in the schema.
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def alembic_config(migrations_dir: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def upgrade_to_head(migrations_dir: Path, url: str) -> None:
    """Blocking; from async code run it in a thread (env.py starts its own event loop)."""
    command.upgrade(alembic_config(migrations_dir, url), "head")


def run_env(target_metadata: MetaData, default_url: Callable[[], str]) -> None:
    url = context.config.get_main_option("sqlalchemy.url") or default_url()
    if context.is_offline_mode():
        context.configure(
            url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True, render_item=_render_item
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(url, target_metadata))


def _migrate(connection: Connection, target_metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(url: str, target_metadata: MetaData) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_migrate, target_metadata)
            await connection.commit()
    finally:
        await engine.dispose()
