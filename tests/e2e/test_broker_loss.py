"""The broker loses everything (a restarted in-memory broker, a rebuilt cluster) while the services run.

Registry publishes and tiering consumes over a real Kafka-protocol broker. The broker is killed, a customer is
registered while it is away, and a fresh, empty broker starts on the same port: the topics come back with the
configured partition count, what waited in the outbox is published, and the consumer gets what follows."""

from contextlib import AsyncExitStack

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from conftest import free_port
from kam_shared.clock import FixedClock
from kam_shared.events.catalog import Topics
from kam_shared.testing import eventually, running

from .conftest import API_KEY, CONVERGENCE_S, NOW  # noqa: TID252

pytestmark = pytest.mark.integration

# Not the broker's own default for auto-created topics (4): a topic that came back by itself would show.
PARTITIONS = 2


async def start_services(
    stack: AsyncExitStack,
    database_url,
    bootstrap: str,
    services: tuple[str, ...] = ("registry", "tiering"),
    partitions: int = PARTITIONS,
) -> dict:
    from kam_registry.config import RegistrySettings
    from kam_registry.main import create_app as registry
    from kam_tiering.config import TieringSettings
    from kam_tiering.main import create_app as tiering

    clock = FixedClock(NOW)
    clients = {}
    for service, create_app, settings_class in (
        ("registry", registry, RegistrySettings),
        ("tiering", tiering, TieringSettings),
    ):
        if service not in services:
            continue
        settings = settings_class(
            database_url=await database_url(service),
            kafka_bootstrap_servers=bootstrap,
            kafka_topic_partitions=partitions,
            kafka_metadata_max_age_ms=2000,
            consumer_commit_timeout_s=3,
            admin_api_key=API_KEY,
            relay_poll_interval_s=0.2,
        )
        clients[service] = await stack.enter_async_context(running(create_app(settings, clock=clock), API_KEY))
    return clients


async def register(clients: dict, name: str) -> str:
    created = await clients["registry"].post("/v1/customers", json={"full_name": name, "branch": "SZ01"})
    assert created.status_code == 201, created.text
    return created.json()["id"]


async def known_to_tiering(clients: dict, customer_id: str) -> bool:
    return (await clients["tiering"].get(f"/v1/customers/{customer_id}/tier")).status_code == 200


async def partitions_of(bootstrap: str, topic: str) -> int | None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        if topic not in await admin.list_topics():
            return None
        [described] = await admin.describe_topics([topic])
        return len(described["partitions"])
    finally:
        await admin.close()


async def test_services_recover_when_the_broker_comes_back_empty_on_the_same_address(tansu, database_url):
    port = free_port()
    broker = tansu(port)
    async with AsyncExitStack() as stack:
        clients = await start_services(stack, database_url, broker.bootstrap)
        before = await register(clients, "Before the outage Co.")
        await eventually(lambda: known_to_tiering(clients, before), timeout=CONVERGENCE_S, what="first customer")
        assert await partitions_of(broker.bootstrap, Topics.REGISTRY) == PARTITIONS

        broker.kill()
        during = await register(clients, "During the outage Co.")
        broker = tansu(port)
        assert await partitions_of(broker.bootstrap, Topics.REGISTRY) is None, "the new broker starts empty"

        await eventually(lambda: known_to_tiering(clients, during), timeout=CONVERGENCE_S, what="outbox published")
        after = await register(clients, "After the outage Co.")
        await eventually(lambda: known_to_tiering(clients, after), timeout=CONVERGENCE_S, what="consumed after")
        assert await partitions_of(broker.bootstrap, Topics.REGISTRY) == PARTITIONS
        for service in ("registry", "tiering"):
            ready = await clients[service].get("/readyz")
            assert ready.status_code == 200, ready.text


async def test_what_the_broker_took_and_lost_before_delivering_it_is_published_again(tansu, database_url):
    port = free_port()
    broker = tansu(port)
    async with AsyncExitStack() as stack:
        # One partition: the new broker's first offset is one the old one had given (how the loss shows).
        clients = await start_services(stack, database_url, broker.bootstrap, services=("registry",), partitions=1)
        taken = await register(clients, "Taken but never delivered Co.")
        relay = clients["registry"]._transport.app.state.runtime.relay

        async def published() -> bool:
            return await relay.pending() == 0

        await eventually(published, timeout=CONVERGENCE_S, what="registration acknowledged by the broker")

        broker.kill()
        broker = tansu(port)
        # Tiering starts only now: the registration it never saw went down with the old broker.
        clients |= await start_services(stack, database_url, broker.bootstrap, services=("tiering",), partitions=1)
        after = await register(clients, "After the outage Co.")

        await eventually(lambda: known_to_tiering(clients, after), timeout=CONVERGENCE_S, what="consumed after")
        await eventually(lambda: known_to_tiering(clients, taken), timeout=CONVERGENCE_S, what="published again")
