"""The same plumbing over a real Kafka-protocol broker: outage, redelivery and poison messages."""

import asyncio
import uuid
from dataclasses import replace

import pytest
from aiokafka import AIOKafkaConsumer

from kam_shared.events.catalog import Topics
from kam_shared.messaging.kafka import KafkaTransport
from kam_shared.messaging.outbox import LocalLease, OutboxRelay
from kam_shared.messaging.transport import OutgoingRecord
from kam_shared.testing import eventually

from .conftest import record_of, registered  # noqa: TID252

pytestmark = pytest.mark.integration

# A broker that was just started, or a consumer group that is rebalancing, can take a while.
KAFKA_TIMEOUT_S = 45.0


def unique_topic() -> str:
    return f"test.{uuid.uuid4().hex[:10]}"


async def read_all(bootstrap: str, topic: str, expected: int, timeout: float = 30.0) -> list:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    messages = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(messages) < expected and asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for batch in batches.values():
                messages.extend(batch)
    finally:
        await consumer.stop()
    return messages


async def test_a_relay_that_cannot_reach_kafka_keeps_the_rows_and_sends_them_once_it_is_back(harness, tansu):
    from conftest import free_port

    port = free_port()
    transport = KafkaTransport(f"127.0.0.1:{port}", client_id="test-relay", partitions=2, request_timeout_ms=3000)
    relay = OutboxRelay(
        engine=harness.engine,
        table=harness.tables.outbox,
        transport=transport,
        clock=harness.clock,
        metrics=harness.metrics,
        lease=LocalLease(),
        poll_interval=0.1,
        max_backoff=0.5,
    )
    async with harness.sessions() as session, session.begin():
        await harness.outbox.add(session, [registered("c-1"), registered("c-2")])
    task = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: harness.metrics.outbox_failures._value.get() >= 2, what="failed attempts")
        assert await relay.pending() == 2

        broker = tansu(port)
        await eventually(lambda: _none_pending(relay), timeout=KAFKA_TIMEOUT_S, what="outbox relayed")
        messages = await read_all(broker.bootstrap, Topics.REGISTRY, expected=2)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await transport.stop()
    assert sorted(message.key for message in messages) == [b"c-1", b"c-2"]
    assert all(dict(message.headers)["ce_type"] == b"customer.registered" for message in messages)


async def _none_pending(relay) -> bool:
    return await relay.pending() == 0


async def test_the_same_event_delivered_twice_over_kafka_changes_state_once(harness, kafka_bootstrap):
    topic = unique_topic()
    transport = KafkaTransport(kafka_bootstrap, client_id="test-dup", partitions=1)
    consumer = harness.consumer(transport, topics=[topic], name=f"dup-{topic}")
    record = record_of(registered("c-1"), event_id="same-event", topic=topic)
    await transport.send([record, record])
    task = asyncio.create_task(consumer.run())
    try:
        await eventually(lambda: _counted(harness, {"c-1": 1}), timeout=KAFKA_TIMEOUT_S, what="c-1 counted")
        await transport.send([record_of(registered("c-2"), topic=topic), record])
        await eventually(lambda: _counted(harness, {"c-1": 1, "c-2": 1}), timeout=KAFKA_TIMEOUT_S, what="c-2 counted")
        await asyncio.sleep(1)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await transport.stop()
    assert await harness.counts() == {"c-1": 1, "c-2": 1}


async def test_an_unparseable_kafka_message_lands_in_the_dead_letter_topic_and_the_next_is_processed(
    harness, kafka_bootstrap
):
    topic = unique_topic()
    transport = KafkaTransport(kafka_bootstrap, client_id="test-dlq", partitions=1)
    garbage = OutgoingRecord(topic=topic, key=b"c-x", value=b"{broken", headers=(("ce_type", b"customer.registered"),))
    await transport.send([garbage, record_of(registered("c-ok"), topic=topic)])
    consumer = harness.consumer(transport, topics=[topic], name=f"dlq-{topic}")
    task = asyncio.create_task(consumer.run())
    try:
        await eventually(lambda: _counted(harness, {"c-ok": 1}), timeout=KAFKA_TIMEOUT_S, what="c-ok counted")
        letters = await read_all(kafka_bootstrap, Topics.dead_letter(topic), expected=1)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await transport.stop()
    assert len(letters) == 1
    assert letters[0].value == b"{broken"
    headers = dict(letters[0].headers)
    assert headers["kam_dlq_reason"] == b"unparseable-data"
    assert headers["kam_dlq_topic"] == topic.encode()
    assert headers["ce_type"] == b"customer.registered"


async def _counted(harness, expected: dict) -> bool:
    return await harness.counts() == expected


async def test_poison_of_every_kind_is_dead_lettered_with_its_reason_and_the_partition_flows(harness, kafka_bootstrap):
    """Bad JSON, a newer major version of a handled type and an oversized record, then a valid event, all on one
    partition of a real broker: three dead letters saying why, the valid event counted."""
    topic = unique_topic()
    transport = KafkaTransport(kafka_bootstrap, client_id="test-poison", partitions=1)
    broken = OutgoingRecord(topic=topic, key=b"c-x", value=b"{broken", headers=(("ce_type", b"customer.registered"),))
    newer = record_of(registered("c-newer"), topic=topic)
    newer = replace(newer, headers=tuple((dict(newer.headers) | {"ce_schemaversion": b"2.0"}).items()))
    # Valid JSON padded past the limit: without the size check it would be counted.
    big = record_of(registered("c-big"), topic=topic)
    oversized = replace(big, value=big.value + b" " * 4000)
    await transport.send([broken, newer, oversized, record_of(registered("c-ok"), topic=topic)])
    consumer = harness.consumer(transport, topics=[topic], name=f"poison-{topic}", max_message_bytes=2048)
    task = asyncio.create_task(consumer.run())
    try:
        await eventually(lambda: _counted(harness, {"c-ok": 1}), timeout=KAFKA_TIMEOUT_S, what="c-ok counted")
        letters = await read_all(kafka_bootstrap, Topics.dead_letter(topic), expected=3)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await transport.stop()
    reasons = [dict(letter.headers)["kam_dlq_reason"] for letter in letters]
    assert reasons == [b"unparseable-data", b"unsupported-schema-version", b"oversized"]
    assert dict(letters[2].headers)["kam_dlq_detail"].startswith(b"4")  # its size in bytes, over the limit
