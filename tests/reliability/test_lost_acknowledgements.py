"""Acknowledgements lost on the way back: the broker took the records, the producer never heard so and sends them
again. The topic then holds duplicates; the ledger counts each billing event once.

A proxy of the test stands between tiering and a real Kafka-protocol broker (the broker advertises the proxy's
address, so every connection goes through it) and, for a while, drops every byte the broker sends back."""

import asyncio
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaConsumer

from conftest import free_port
from kam_shared.clock import FixedClock
from kam_shared.events.catalog import CustomerRegistered, Topics
from kam_shared.events.envelope import Envelope
from kam_shared.messaging.kafka import KafkaTransport
from kam_shared.testing import TEST_API_KEY, eventually, outgoing, running
from kam_tiering.config import TieringSettings
from kam_tiering.main import create_app as create_tiering

from .conftest import TcpProxy  # noqa: TID252

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


def billing(number: int) -> dict:
    return {
        "billing_id": f"LOST-ACK-{number:04d}",
        "customer_id": "C-ACK",
        "amount_minor": 10_000 + number,
        "currency": "CNY",
        "business_line": "domestic_express",
        "posted_on": "2026-11-10",
    }


async def billing_records_on_the_topic(bootstrap: str) -> list[str]:
    consumer = AIOKafkaConsumer(
        Topics.BILLING, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    ids = []
    try:
        while batches := await consumer.getmany(timeout_ms=2000):
            for records in batches.values():
                ids += [dict(record.headers).get("ce_type", b"").decode() for record in records]
    finally:
        await consumer.stop()
    return ids


async def test_billing_whose_acknowledgement_was_lost_is_on_the_topic_twice_and_in_the_ledger_once(tansu, database_url):
    proxy_port = free_port()
    broker = tansu(advertised_port=proxy_port)
    proxy = TcpProxy(broker.port, proxy_port)
    await proxy.start()
    clock = FixedClock(NOW)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(proxy.stop)
        transport = KafkaTransport(
            f"127.0.0.1:{proxy_port}", client_id="kam-tiering", partitions=2, request_timeout_ms=2000
        )
        await transport.start()
        stack.push_async_callback(transport.stop)
        settings = TieringSettings(
            database_url=await database_url("tiering"),
            kafka_bootstrap_servers=f"127.0.0.1:{proxy_port}",
            admin_api_key=TEST_API_KEY,
            month_close_automatic=False,
            relay_poll_interval_s=0.2,
        )
        tiering = await stack.enter_async_context(
            running(create_tiering(settings, transport=transport, clock=clock), TEST_API_KEY)
        )
        registry_side = KafkaTransport(f"127.0.0.1:{proxy_port}", client_id="registry-side", partitions=2)
        stack.push_async_callback(registry_side.stop)
        announced = CustomerRegistered(
            customer_id="C-ACK", full_name="C-ACK Co., Ltd.", branch="XM01", registered_at=NOW
        )
        assert await registry_side.send([outgoing(Envelope.wrap(announced, source="/kam/registry", time=NOW))]) == 1

        async def total() -> int:
            response = await tiering.get("/v1/customers/C-ACK/revenue")
            if response.status_code != 200:
                return -1
            return sum(month["amount_minor"] for month in response.json()["months"])

        first = [billing(n) for n in range(5)]
        assert (await tiering.post("/v1/billing-events", json={"events": first})).status_code == 202
        await eventually(lambda: _equals(total, sum(e["amount_minor"] for e in first)), timeout=60)

        proxy.dropping = True
        second = [billing(n) for n in range(5, 10)]
        accepted = await tiering.post("/v1/billing-events", json={"events": second})
        assert accepted.status_code == 202 and accepted.json()["accepted"] == 5
        # Long enough for the relay to send, time out waiting for the answer (2 s) and send again.
        await asyncio.sleep(6)
        proxy.resume()
        expected = sum(e["amount_minor"] for e in first + second)
        await eventually(lambda: _equals(total, expected), timeout=90)
        await asyncio.sleep(2)  # anything counted twice would show by now
        assert await total() == expected

        on_topic = await billing_records_on_the_topic(broker.bootstrap)
        posted = [event_type for event_type in on_topic if event_type == "billing.posted"]
        assert proxy.dropped_answers > 0
        assert len(posted) > len(first) + len(second), "the lost acknowledgements made the relay send again"


async def _equals(read, expected: int) -> bool:
    return await read() == expected
