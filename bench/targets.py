"""Starting what the benchmark measures: uvicorn processes on free loopback ports and PostgreSQL databases."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def uvicorn_process(app: str, env: dict[str, str], *, ready_path: str = "/healthz", log: Path) -> Iterator[str]:
    """One uvicorn worker (uvloop, httptools, no access log) serving `app` (a factory); yields its base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--factory", app, "--app-dir", str(ROOT / "bench"),
        "--host", "127.0.0.1", "--port", str(port), "--loop", "uvloop", "--http", "httptools",
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, env={**os.environ, "KAM_LOG_LEVEL": "WARNING", **env}, stdout=out, stderr=out, cwd=ROOT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(base + ready_path, process, log)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_answering(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited ({process.returncode}); see {log}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:g} s; see {log}")


def postgres_reachable(admin_url: str) -> bool:
    import asyncio

    import asyncpg

    async def check() -> bool:
        try:
            conn = await asyncpg.connect(_asyncpg_dsn(admin_url), timeout=3)
        except (OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True

    return asyncio.run(check())


@contextmanager
def postgres_databases(admin_url: str, names: list[str]) -> Iterator[dict[str, str]]:
    """Creates one database per name (prefixed with this run's pid), yields their SQLAlchemy URLs, drops them."""
    import asyncio

    import asyncpg

    databases = {name: f"kam_bench_{os.getpid()}_{name.replace('-', '_')}" for name in names}

    async def each(statement: str) -> None:
        conn = await asyncpg.connect(_asyncpg_dsn(admin_url))
        try:
            for database in databases.values():
                await conn.execute(statement.format(database=database))
        finally:
            await conn.close()

    asyncio.run(each('CREATE DATABASE "{database}"'))
    try:
        base = admin_url.rsplit("/", 1)[0]
        yield {name: f"{base}/{database}" for name, database in databases.items()}
    finally:
        asyncio.run(each('DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)
