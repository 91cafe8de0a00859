"""Test support for services built on kam_shared: run an app, call it, drive its bus, wait for it to settle.

Used by the services' own tests and the cross-service tests; nothing here runs in production."""

import asyncio
import inspect
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import httpx
from fastapi import FastAPI

from kam_shared.clock import Clock
from kam_shared.events.catalog import Event, Topics
from kam_shared.events.envelope import Envelope, decode, encode
from kam_shared.messaging.transport import IncomingRecord, OutgoingRecord

T = TypeVar("T")

# The key the services' test apps are built with.
TEST_API_KEY = "test-key"


async def eventually(
    probe: Callable[[], Awaitable[T] | T], *, timeout: float = 10.0, interval: float = 0.02, what: str = "condition"
) -> T:
    """Polls until the probe (plain or async) returns something truthy: services converge through the bus."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = probe()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} not reached within {timeout}s (last: {result!r})")
        await asyncio.sleep(interval)


@asynccontextmanager
async def running(app: FastAPI, api_key: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """Starts the app's lifespan (migrations, relay, consumers) and yields a client that talks to it in-process."""
    async with app.router.lifespan_context(app):
        headers = {"X-API-Key": api_key} if api_key else {}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
        ) as client:
            yield client


def outgoing(envelope: Envelope) -> OutgoingRecord:
    wire = encode(envelope)
    return OutgoingRecord(topic=envelope.data.TOPIC, key=wire.key, value=wire.value, headers=wire.headers)


class ServiceBus:
    """A service's in-process bus as the other services see it."""

    def __init__(self, app: FastAPI, clock: Clock) -> None:
        self.runtime = app.state.runtime
        self.clock = clock
        self._offsets = itertools.count()

    @property
    def transport(self):
        return self.runtime.transport

    def wrap(self, item: Event | Envelope) -> Envelope:
        return item if isinstance(item, Envelope) else Envelope.wrap(item, source="/test", time=self.clock.now())

    async def publish(self, *items: Event | Envelope) -> list[Envelope]:
        """Puts events on their topics, as their producers would; the service's consumers pick them up."""
        envelopes = [self.wrap(item) for item in items]
        records = [outgoing(envelope) for envelope in envelopes]
        assert await self.transport.send(records) == len(records)
        return envelopes

    async def deliver(self, *items: Event | Envelope) -> list[Envelope]:
        """Hands the events straight to the service's (first) consumer as one polled batch."""
        envelopes = [self.wrap(item) for item in items]
        records = []
        for envelope in envelopes:
            record = outgoing(envelope)
            records.append(
                IncomingRecord(record.topic, 0, next(self._offsets), record.key, record.value, record.headers)
            )
        await self.runtime.consumers[0].process(records)
        return envelopes

    async def settled(self, timeout: float = 10.0) -> None:
        """Waits until the outbox is relayed and every consumer has committed everything on its topics."""

        async def quiet() -> bool:
            if await self.runtime.relay.pending():
                return False
            return all(
                self.transport.committed(consumer.name, topic) == self.transport.end_offset(topic)
                for consumer in self.runtime.consumers
                for topic in consumer.subscription.topics
            )

        await eventually(quiet, timeout=timeout, what="bus settled")

    async def published(self, event_type: str | None = None) -> list[Envelope]:
        """What this service itself has put on the bus, in order, once its outbox is relayed."""
        await eventually(self._outbox_empty, what="outbox relayed")
        source = self.runtime.outbox.source.encode()
        # Filter on the source header before decoding: other producers' records may be deliberately malformed.
        envelopes = [
            decode(record.value, record.headers)
            for topic in Topics.ALL
            for record in self.transport.records(topic)
            if dict(record.headers).get("ce_source") == source
        ]
        return [envelope for envelope in envelopes if event_type is None or envelope.type == event_type]

    async def _outbox_empty(self) -> bool:
        return await self.runtime.relay.pending() == 0
