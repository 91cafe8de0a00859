"""The read path every service shares: no thread-pool hop, no write transaction or relay wake-up for reads, a pool
sized from settings that does not ping on every checkout. How fast it is, is for bench/run.py to say."""

import asyncio
import importlib

import fastapi.dependencies.utils
import fastapi.routing
from sqlalchemy import event

from kam_shared.testing import TEST_API_KEY, running

SERVICES = {
    "registry": ("kam_registry", "RegistrySettings"),
    "tiering": ("kam_tiering", "TieringSettings"),
    "service-desk": ("kam_service_desk", "ServiceDeskSettings"),
    "reporting": ("kam_reporting", "ReportingSettings"),
}


def _create(name: str, **settings):
    package, settings_name = SERVICES[name]
    settings_class = getattr(importlib.import_module(f"{package}.config"), settings_name)
    return importlib.import_module(f"{package}.main").create_app(settings_class(admin_api_key=TEST_API_KEY, **settings))


# (service, a read route taking every dependency its router has)
READS = {
    "registry": "/v1/customers/c-1",
    "tiering": "/v1/customers/c-1/tier",
    "service-desk": "/v1/tickets?limit=5",
    "reporting": "/v1/reports/tiers",
}


async def test_no_read_of_any_service_goes_through_the_thread_pool(database_url, monkeypatch):
    hops: list[str] = []

    def recording(original):
        async def run_in_threadpool(func, *args, **kwargs):
            hops.append(getattr(func, "__qualname__", repr(func)))
            return await original(func, *args, **kwargs)

        return run_in_threadpool

    for module in (fastapi.dependencies.utils, fastapi.routing):
        monkeypatch.setattr(module, "run_in_threadpool", recording(module.run_in_threadpool))
    for name, path in READS.items():
        async with running(_create(name, database_url=await database_url(name)), TEST_API_KEY) as client:
            answer = await client.get(path)
        assert answer.status_code in (200, 404), answer.text
        assert hops == [], f"{name} GET {path} ran {hops} in the thread pool"


async def test_a_read_takes_no_write_lock_and_does_not_wake_the_relay(database_url):
    app = _create("registry", database_url=await database_url("registry"))
    runtime = app.state.runtime
    async with running(app, TEST_API_KEY) as client:
        created = await client.post("/v1/customers", json={"full_name": "Xiamen Port Freight", "branch": "XM01"})
        assert created.status_code == 201
        statements: list[str] = []
        wakes: list[None] = []
        event.listen(runtime.engine.sync_engine, "before_cursor_execute", _from_requests(statements))
        wake = runtime.relay.wake
        runtime.relay.wake = lambda: (wakes.append(None), wake())[1]
        try:
            read = await client.get(f"/v1/customers/{created.json()['id']}")
            ready = await client.get("/readyz")
        finally:
            runtime.relay.wake = wake
    assert read.status_code == 200 and read.json()["full_name"] == "Xiamen Port Freight"
    assert ready.status_code == 200
    assert any(statement.lstrip().upper().startswith("SELECT") for statement in statements)
    assert not [statement for statement in statements if "IMMEDIATE" in statement.upper()]
    assert wakes == []


def _from_requests(statements: list[str]):
    """Records the statements requests send, not those of the service's own tasks (relay, housekeeping, ...)."""

    def record(_conn, _cursor, statement, *_args) -> None:
        task = asyncio.current_task()
        if task is None or not task.get_name().startswith("registry-"):
            statements.append(statement)

    return record


def test_the_postgresql_pool_is_sized_from_settings_and_does_not_ping_each_checkout(tmp_path):
    url = "postgresql+asyncpg://postgres@127.0.0.1:5432/kam_never_connected"
    app = _create("tiering", database_url=url, db_pool_size=3, db_max_overflow=2, db_pool_recycle_s=60)
    pool = app.state.runtime.engine.sync_engine.pool
    assert (pool.size(), pool._max_overflow, pool._recycle, pool._pre_ping) == (3, 2, 60, False)
