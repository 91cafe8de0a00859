"""The suite in both run modes, for tests that cross services.

- embedded: the all-in-one app (four services under their prefixes, SQLite files, in-process bus);
- distributed: four separate apps, each with its own database (PostgreSQL when KAM_TEST_DATABASE_URL is
  set) and its own connection to a real Kafka-protocol broker."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from conftest import postgres_admin_url
from kam_shared.clock import FixedClock
from kam_shared.messaging.transport import Transport
from kam_shared.testing import running

API_KEY = "e2e-key"
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
# How long the services get to converge through the bus; a real broker and separate databases take a while.
CONVERGENCE_S = 60.0


@dataclass
class Suite:
    mode: str
    clock: FixedClock
    clients: dict[str, httpx.AsyncClient]
    # The bus a partner would publish to; in distributed mode, a connection of the test's own.
    partner_bus: Transport

    def __getitem__(self, service: str) -> httpx.AsyncClient:
        return self.clients[service]


async def embedded_suite(stack: AsyncExitStack, tmp_path, clock: FixedClock) -> Suite:
    from kam_suite.main import create_suite_app

    app = create_suite_app(tmp_path / "data", API_KEY, clock=clock)
    await stack.enter_async_context(app.router.lifespan_context(app))
    transport = httpx.ASGITransport(app=app)
    clients = {}
    for service in ("registry", "tiering", "service-desk", "reporting"):
        clients[service] = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url=f"http://suite/{service}", headers={"X-API-Key": API_KEY})
        )
    clients["root"] = await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://suite"))
    bus = app.state.services["registry"].state.runtime.transport
    return Suite(mode="embedded", clock=clock, clients=clients, partner_bus=bus)


async def distributed_suite(stack: AsyncExitStack, database_url, bootstrap: str, clock: FixedClock) -> Suite:
    from kam_registry.config import RegistrySettings
    from kam_registry.main import create_app as registry
    from kam_reporting.config import ReportingSettings
    from kam_reporting.main import create_app as reporting
    from kam_service_desk.config import ServiceDeskSettings
    from kam_service_desk.main import create_app as service_desk
    from kam_shared.messaging.kafka import KafkaTransport
    from kam_tiering.config import TieringSettings
    from kam_tiering.main import create_app as tiering

    builders = {
        "registry": (registry, RegistrySettings),
        "tiering": (tiering, TieringSettings),
        "service-desk": (service_desk, ServiceDeskSettings),
        "reporting": (reporting, ReportingSettings),
    }
    clients = {}
    for service, (create_app, settings_class) in builders.items():
        settings = settings_class(
            database_url=await database_url(service),
            kafka_bootstrap_servers=bootstrap,
            admin_api_key=API_KEY,
            relay_poll_interval_s=0.2,
        )
        clients[service] = await stack.enter_async_context(running(create_app(settings, clock=clock), API_KEY))
    partner = KafkaTransport(bootstrap, client_id="e2e-partner", partitions=3)
    stack.push_async_callback(partner.stop)
    return Suite(mode="distributed", clock=clock, clients=clients, partner_bus=partner)


@pytest.fixture(
    params=[
        "embedded",
        "distributed-kafka+postgresql" if postgres_admin_url() else "distributed-kafka+sqlite",
    ]
)
async def suite(request, tmp_path, database_url) -> AsyncIterator[Suite]:
    clock = FixedClock(NOW)
    async with AsyncExitStack() as stack:
        if request.param == "embedded":
            yield await embedded_suite(stack, tmp_path, clock)
        else:
            bootstrap = request.getfixturevalue("kafka_bootstrap")
            yield await distributed_suite(stack, database_url, bootstrap, clock)
