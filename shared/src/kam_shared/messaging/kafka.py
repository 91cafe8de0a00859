"""The distributed bus: Kafka through aiokafka. Acks from all replicas, explicit topics, manual offset commits.

A broker can lose its topics (a rebuilt cluster, a broker keeping them in memory restarted). Before each batch
is sent, the producer's metadata must list its topics; missing ones are created again with our partition
count (the admin check is otherwise repeated every `topic_check_interval_s`). Our clients never ask the broker
to auto-create a topic: it would pick its own partition count, which cannot be corrected later. Consumers
refresh metadata every `metadata_max_age_ms` to follow partition changes, and rebuild their subscription
(creating the topics again) when a subscribed topic vanishes."""

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Iterable, Sequence

import aiokafka.client
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, UnknownTopicOrPartitionError
from aiokafka.protocol.metadata import MetadataRequest

from kam_shared.messaging.transport import IncomingRecord, OutgoingRecord, TransportError, last_offsets

log = logging.getLogger(__name__)


def _never_auto_create_topics() -> None:
    # aiokafka offers no option for it: its clients' metadata requests always allow auto-creation.
    if not isinstance(aiokafka.client.MetadataRequest, functools.partial):
        aiokafka.client.MetadataRequest = functools.partial(MetadataRequest, allow_auto_topic_creation=False)


class KafkaTransport:
    durable = True

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        client_id: str,
        partitions: int = 3,
        replication_factor: int = 1,
        request_timeout_ms: int = 15000,
        session_timeout_ms: int = 10000,
        enable_idempotence: bool = False,
        metadata_max_age_ms: int = 30000,
        topic_check_interval_s: float = 30.0,
        retry_backoff_ms: int = 500,
    ) -> None:
        _never_auto_create_topics()
        self._bootstrap = bootstrap_servers
        self._client_id = client_id
        self._partitions = partitions
        self._replication = replication_factor
        self._request_timeout_ms = request_timeout_ms
        self._session_timeout_ms = session_timeout_ms
        self._enable_idempotence = enable_idempotence
        self._metadata_max_age_ms = metadata_max_age_ms
        self._topic_check_interval_s = topic_check_interval_s
        # aiokafka's default of 100 ms makes a lost broker cost some 80 error lines a second per consumer.
        self._retry_backoff_ms = retry_backoff_ms
        self._producer: AIOKafkaProducer | None = None
        # topic -> when (monotonic) it was last seen to exist or created.
        self._ensured: dict[str, float] = {}
        # Signs that the broker lost its state (restarted empty, rebuilt): a topic this process had seen is gone,
        # or a partition hands out an offset it had already given. What it acknowledged but had not delivered
        # went with it; `losses` counts them so the outbox relay can publish its recent rows again.
        self.losses = 0
        self._present: set[str] = set()
        self._last_offsets: dict[tuple[str, int], int] = {}
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        # Connecting is lazy: a service must come up (and say it is not ready) while the broker is away.
        return None

    async def stop(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await producer.stop()

    async def _connected_producer(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self._bootstrap,
                    client_id=self._client_id,
                    acks="all",
                    # Off by default: idempotent producers need InitProducerId, which not every Kafka-protocol
                    # broker offers. Duplicates from retries are absorbed by the consumers' inbox either way; on
                    # Apache Kafka turn it on, so a retried batch cannot land behind a later one.
                    enable_idempotence=self._enable_idempotence,
                    linger_ms=5,
                    request_timeout_ms=self._request_timeout_ms,
                    metadata_max_age_ms=self._metadata_max_age_ms,
                    retry_backoff_ms=self._retry_backoff_ms,
                )
                try:
                    await producer.start()
                except KafkaError as exc:
                    await producer.stop()
                    raise TransportError(f"cannot connect to Kafka at {self._bootstrap}: {exc!r}") from exc
                self._producer = producer
            return self._producer

    async def ping(self) -> bool:
        try:
            producer = await self._connected_producer()
            async with asyncio.timeout(5):
                await producer.client.fetch_all_metadata()
        except (TransportError, KafkaError, TimeoutError, OSError):
            return False
        return True

    def forget_topics(self, topics: Iterable[str] | None = None) -> None:
        """Checks these topics (all when None) again before the next use."""
        if topics is None:
            self._ensured.clear()
            return
        for topic in topics:
            self._ensured.pop(topic, None)

    async def ensure_topics(self, topics: Iterable[str], *, recheck: bool = False) -> None:
        fresh_after = time.monotonic() - self._topic_check_interval_s
        wanted = [
            topic for topic in dict.fromkeys(topics) if recheck or self._ensured.get(topic, float("-inf")) < fresh_after
        ]
        if not wanted:
            return
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self._bootstrap,
            client_id=f"{self._client_id}-admin",
            request_timeout_ms=self._request_timeout_ms,
        )
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            missing = [topic for topic in wanted if topic not in existing]
            if missing:
                try:
                    response = await admin.create_topics(
                        [NewTopic(topic, self._partitions, self._replication) for topic in missing]
                    )
                except TopicAlreadyExistsError:
                    response = None
                # aiokafka returns per-topic errors instead of raising them; "already exists" is success here.
                failed = {
                    topic: code
                    for topic, code, *_ in getattr(response, "topic_errors", ())
                    if code not in (0, TopicAlreadyExistsError.errno)
                }
                if failed:
                    raise TransportError(f"cannot create topics: error codes {failed}")
                log.info("created topics", extra={"topics": missing, "partitions": self._partitions})
        except KafkaError as exc:
            raise TransportError(f"cannot create topics {wanted}: {exc!r}") from exc
        finally:
            await admin.close()
        now = time.monotonic()
        self._ensured.update(dict.fromkeys(wanted, now))
        self._present.update(wanted)

    async def send(self, records: Sequence[OutgoingRecord]) -> int:
        if not records:
            return 0
        topics = {record.topic for record in records}
        producer = await self._connected_producer()
        # One metadata round trip per batch: a broker that lost a topic may still take records for it and
        # drop them once the topic is made again, so the topic must be there before anything is sent.
        try:
            async with asyncio.timeout(self._request_timeout_ms / 1000):
                metadata = await producer.client.fetch_all_metadata()
        except (KafkaError, TimeoutError, OSError) as exc:
            await self._drop_producer()
            raise TransportError(f"cannot read Kafka metadata: {exc!r}") from exc
        missing = topics - set(metadata.topics())
        self.forget_topics(missing)
        await self.ensure_topics(topics)
        if missing:
            # The producer's own view may still hold the lost topics' old layout.
            await producer.client.force_metadata_update()
        if lost := missing & self._present:
            self._present -= lost
            self._lost(f"topics {sorted(lost)} are gone")
        futures = []
        try:
            for record in records:
                futures.append(
                    await producer.send(record.topic, record.value, key=record.key, headers=list(record.headers))
                )
        except KafkaError as exc:
            log.warning("kafka send failed", extra={"error": repr(exc)})
            if isinstance(exc, UnknownTopicOrPartitionError):
                self.forget_topics(record.topic for record in records)
        results = await asyncio.gather(*futures, return_exceptions=True)
        acknowledged = 0
        for result in results:
            if isinstance(result, BaseException):
                log.warning("kafka did not acknowledge a record", extra={"error": repr(result)})
                if isinstance(result, UnknownTopicOrPartitionError):
                    self.forget_topics(record.topic for record in records)
                break
            acknowledged += 1
            self._note_offset(result.topic, result.partition, result.offset)
        if acknowledged == 0:
            # Whatever took the broker away may have taken its topics too.
            self.forget_topics()
            await self._drop_producer()
            raise TransportError("Kafka acknowledged none of the records")
        return acknowledged

    def _note_offset(self, topic: str, partition: int, offset: int) -> None:
        last = self._last_offsets.get((topic, partition), -1)
        self._last_offsets[(topic, partition)] = offset
        if offset <= last:
            self._lost(f"{topic}[{partition}] gave offset {offset} again (had {last})")

    def _lost(self, sign: str) -> None:
        self.losses += 1
        self._last_offsets.clear()
        log.warning("the broker lost its state", extra={"sign": sign})

    async def _drop_producer(self) -> None:
        async with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(KafkaError):
                await producer.stop()

    def subscriber(self, group: str, topics: Sequence[str]) -> "KafkaSubscriber":
        return KafkaSubscriber(self, group, tuple(topics))


class KafkaSubscriber:
    def __init__(self, transport: KafkaTransport, group: str, topics: tuple[str, ...]) -> None:
        self._transport = transport
        self._group = group
        self._topics = topics
        self._consumer: AIOKafkaConsumer | None = None

    async def start(self) -> None:
        # A subscription is (re)built after a failure, which may have been the broker losing its topics.
        await self._transport.ensure_topics(self._topics, recheck=True)
        consumer = AIOKafkaConsumer(
            *self._topics,
            bootstrap_servers=self._transport._bootstrap,
            client_id=f"{self._transport._client_id}-{self._group}",
            group_id=self._group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=self._transport._session_timeout_ms,
            heartbeat_interval_ms=max(100, self._transport._session_timeout_ms // 10),
            request_timeout_ms=self._transport._request_timeout_ms + 25000,
            metadata_max_age_ms=self._transport._metadata_max_age_ms,
            retry_backoff_ms=self._transport._retry_backoff_ms,
        )
        try:
            await consumer.start()
        except KafkaError as exc:
            await consumer.stop()
            raise TransportError(f"cannot start consumer {self._group}: {exc!r}") from exc
        self._consumer = consumer

    async def stop(self) -> None:
        if self._consumer is None:
            return
        consumer, self._consumer = self._consumer, None
        try:
            async with asyncio.timeout(10):
                await consumer.stop()
        except TimeoutError:
            log.warning("consumer did not stop within 10 s", extra={"group": self._group})
        except asyncio.CancelledError:
            # With the broker gone, aiokafka's stop() can raise CancelledError although nobody cancelled us.
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            log.warning("consumer stop was interrupted; the broker is probably gone", extra={"group": self._group})

    async def poll(self, *, max_records: int, timeout: float) -> list[IncomingRecord]:
        assert self._consumer is not None, "subscriber not started"
        vanished = [topic for topic in self._topics if not self._consumer.partitions_for_topic(topic)]
        if vanished:
            # The broker lost them (restarted empty, rebuilt): a new subscription creates them again.
            self._transport.forget_topics(vanished)
            raise TransportError(f"topics {vanished} are gone from the broker")
        batches = await self._consumer.getmany(timeout_ms=int(timeout * 1000), max_records=max_records)
        records: list[IncomingRecord] = []
        for messages in batches.values():
            for message in messages:
                records.append(
                    IncomingRecord(
                        topic=message.topic,
                        partition=message.partition,
                        offset=message.offset,
                        key=message.key,
                        value=message.value,
                        headers=tuple(message.headers or ()),
                    )
                )
        return records

    def pause(self, topic: str, partition: int, offset: int) -> None:
        assert self._consumer is not None, "subscriber not started"
        tp = TopicPartition(topic, partition)
        if tp in self._consumer.assignment():
            # seek() also drops what was fetched ahead for the partition.
            self._consumer.seek(tp, offset)
            self._consumer.pause(tp)

    def resume(self, topic: str, partition: int) -> None:
        assert self._consumer is not None, "subscriber not started"
        tp = TopicPartition(topic, partition)
        if tp in self._consumer.assignment():
            self._consumer.resume(tp)

    def lag(self) -> int | None:
        if self._consumer is None:
            return None
        total = 0
        for tp in self._consumer.assignment():
            highwater, position = self._consumer.highwater(tp), _position(self._consumer, tp)
            if highwater is None or position is None:
                return None
            total += max(0, highwater - position)
        return total

    async def commit(self, records: Sequence[IncomingRecord]) -> None:
        assert self._consumer is not None, "subscriber not started"
        offsets = {
            TopicPartition(topic, partition): offset for (topic, partition), offset in last_offsets(records).items()
        }
        try:
            await self._consumer.commit(offsets)
        except KafkaError as exc:
            # After a rebalance the new owner gets these records again; the inbox makes that harmless.
            log.warning("offset commit failed", extra={"group": self._group, "error": repr(exc)})


def _position(consumer: AIOKafkaConsumer, tp: TopicPartition) -> int | None:
    # AIOKafkaConsumer.position() waits for a position to be known; lag is asked for without waiting.
    try:
        state = consumer._subscription.subscription.assignment.state_value(tp)
    except (AttributeError, KeyError):
        return None
    return state.position if state is not None and state.has_valid_position else None
