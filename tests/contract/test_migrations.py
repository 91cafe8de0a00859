"""Each service's migrations build exactly the schema its models describe, and replicas may start together."""

import asyncio
import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from kam_shared.db import create_engine
from kam_shared.testing import TEST_API_KEY

SERVICES = {
    "registry": ("kam_registry", "RegistrySettings"),
    "tiering": ("kam_tiering", "TieringSettings"),
    "service-desk": ("kam_service_desk", "ServiceDeskSettings"),
    "reporting": ("kam_reporting", "ReportingSettings"),
}


def build(service: str, url: str):
    package, settings_name = SERVICES[service]
    settings_class = getattr(importlib.import_module(f"{package}.config"), settings_name)
    app = importlib.import_module(f"{package}.main").create_app(
        settings_class(database_url=url, admin_api_key=TEST_API_KEY)
    )
    return app.state.runtime


@pytest.mark.parametrize("service", list(SERVICES))
async def test_the_migrations_leave_no_difference_from_the_models(service, database_url):
    runtime = build(service, await database_url(service))
    try:
        await runtime.migrate()
        engine = create_engine(runtime.database_url)
        async with engine.connect() as conn:
            differences = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), runtime.definition.metadata
                )
            )
        await engine.dispose()
    finally:
        await runtime.engine.dispose()
    assert differences == []


@pytest.mark.parametrize("service", list(SERVICES))
async def test_replicas_starting_together_migrate_one_after_the_other(service, database_url):
    url = await database_url(service)
    if not url.startswith("postgresql"):
        pytest.skip("SQLite databases belong to one process")
    replicas = [build(service, url) for _ in range(3)]
    try:
        await asyncio.gather(*(replica.migrate() for replica in replicas))
    finally:
        for replica in replicas:
            await replica.engine.dispose()
