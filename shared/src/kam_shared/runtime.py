"""Everything one service runs besides its HTTP routes: database, bus, outbox relay and consumer loops."""

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import MetaData, text

from kam_shared.clock import Clock, SystemClock
from kam_shared.config import ServiceSettings
from kam_shared.db import PoolSettings, advisory_key, create_engine, ping, read_only_engine, session_factory
from kam_shared.messaging.consumer import ConsumerLoop, Subscription
from kam_shared.messaging.housekeeping import Housekeeper
from kam_shared.messaging.inprocess import InProcessTransport
from kam_shared.messaging.kafka import KafkaTransport
from kam_shared.messaging.outbox import LocalLease, Outbox, OutboxRelay, PostgresAdvisoryLease
from kam_shared.messaging.tables import MessagingTables
from kam_shared.messaging.transport import Transport
from kam_shared.migrations import upgrade_to_head
from kam_shared.observability import Metrics
from kam_shared.reads import reads_for
from kam_shared.security.tables import SecurityTables

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    metadata: MetaData
    tables: MessagingTables
    migrations_dir: Path
    security: SecurityTables | None = None
    subscriptions: Sequence[Subscription] = field(default_factory=tuple)


class ServiceRuntime:
    def __init__(
        self,
        definition: ServiceDefinition,
        settings: ServiceSettings,
        *,
        transport: Transport | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.definition = definition
        self.name = definition.name
        self.settings = settings
        self.clock = clock or SystemClock()
        self.database_url = settings.resolved_database_url(definition.name)
        self.engine = create_engine(
            self.database_url,
            pool=PoolSettings(
                size=settings.db_pool_size,
                max_overflow=settings.db_max_overflow,
                timeout_s=settings.db_pool_timeout_s,
                recycle_s=settings.db_pool_recycle_s,
            ),
        )
        self.sessions = session_factory(self.engine)
        # For requests that only read: no write lock on SQLite, no transaction round trips on PostgreSQL.
        self.read_sessions = session_factory(read_only_engine(self.engine))
        # Lookups and pages on the driver itself (kam_shared.reads).
        self.reads = reads_for(read_only_engine(self.engine), pool_size=settings.db_read_pool_size)
        self._owns_transport = transport is None
        self.transport: Transport = transport or self._default_transport()
        self.metrics = Metrics(definition.name)
        self.outbox = Outbox(definition.tables.outbox, source=f"/kam/{definition.name}", clock=self.clock)
        lease = (
            PostgresAdvisoryLease(self.engine, f"kam-outbox-{definition.name}")
            if self.engine.dialect.name == "postgresql"
            else LocalLease()
        )
        self.relay = OutboxRelay(
            engine=self.engine,
            table=definition.tables.outbox,
            transport=self.transport,
            clock=self.clock,
            metrics=self.metrics,
            lease=lease,
            batch_size=settings.relay_batch_size,
            poll_interval=settings.relay_poll_interval_s,
        )
        self.consumers = [
            ConsumerLoop(
                subscription=subscription,
                transport=self.transport,
                sessions=self.sessions,
                tables=definition.tables,
                outbox=self.outbox,
                clock=self.clock,
                metrics=self.metrics,
                on_commit=self.relay.wake,
                max_records=settings.consumer_max_records,
                constraint_retries=settings.consumer_constraint_retries,
                commit_timeout=settings.consumer_commit_timeout_s,
                stall_after=settings.consumer_stall_after_s,
                group_suffix=settings.kafka_consumer_group_suffix,
                max_message_bytes=settings.consumer_max_message_bytes,
            )
            for subscription in definition.subscriptions
        ]
        if isinstance(self.transport, InProcessTransport):
            # Records stay on the in-memory bus until these groups have them, even if they subscribe late.
            for subscription in definition.subscriptions:
                self.transport.expect(subscription.consumer + settings.kafka_consumer_group_suffix, subscription.topics)
        self.housekeeper = Housekeeper(
            engine=self.engine,
            tables=definition.tables,
            clock=self.clock,
            outbox_retention=timedelta(days=settings.outbox_retention_days),
            inbox_retention=timedelta(days=settings.inbox_retention_days),
        )
        self._tasks: list[asyncio.Task] = []

    def _default_transport(self) -> Transport:
        if self.settings.kafka_bootstrap_servers:
            return KafkaTransport(
                self.settings.kafka_bootstrap_servers,
                client_id=f"kam-{self.name}",
                partitions=self.settings.kafka_topic_partitions,
                replication_factor=self.settings.kafka_replication_factor,
                session_timeout_ms=self.settings.kafka_session_timeout_ms,
                enable_idempotence=self.settings.kafka_enable_idempotence,
                metadata_max_age_ms=self.settings.kafka_metadata_max_age_ms,
                topic_check_interval_s=self.settings.kafka_topic_check_interval_s,
                retry_backoff_ms=self.settings.kafka_retry_backoff_ms,
            )
        return InProcessTransport()

    async def migrate(self) -> None:
        """Upgrades the schema to head. On PostgreSQL, replicas starting together take turns (advisory lock)."""
        upgrade = asyncio.to_thread(upgrade_to_head, self.definition.migrations_dir, self.database_url)
        if self.engine.dialect.name != "postgresql":
            await upgrade
            return
        key = advisory_key(f"kam-migrate-{self.name}")
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            await conn.commit()
            try:
                await upgrade
            finally:
                await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                await conn.commit()

    async def start(self) -> None:
        if self.settings.migrate_on_start:
            await self.migrate()
        if self._owns_transport:
            await self.transport.start()
        if not self.transport.durable:
            # The in-memory bus starts empty: deliver again what it had before, before anything new.
            republished = await self.relay.republish_sent()
            if republished:
                log.info("outbox republished to the in-process bus", extra={"service": self.name, "rows": republished})
        self._spawn(f"{self.name}-relay", self.relay.run)
        self._spawn(f"{self.name}-housekeeping", self.housekeeper.run)
        for consumer in self.consumers:
            self._spawn(f"{self.name}-consumer-{consumer.name}", consumer.run)
        log.info("service started", extra={"service": self.name, "database": self.engine.url.render_as_string()})

    def _spawn(self, name: str, work: Callable) -> None:
        task = asyncio.create_task(work(), name=name)
        task.add_done_callback(self._on_task_done)
        self._tasks.append(task)

    def _on_task_done(self, task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("background task died", exc_info=task.exception(), extra={"task": task.get_name()})

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        _done, stuck = await asyncio.wait(self._tasks, timeout=10) if self._tasks else (set(), set())
        for task in stuck:
            log.error("background task did not stop within 10 s", extra={"task": task.get_name()})
        self._tasks.clear()
        if self._owns_transport:
            await self.transport.stop()
        await self.reads.close()
        await self.engine.dispose()

    async def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            async with asyncio.timeout(5):
                await ping(self.engine)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {exc.__class__.__name__}"
        checks["bus"] = "ok" if await self.transport.ping() else "unreachable"
        for task in self._tasks:
            if task.done():
                checks[task.get_name()] = "stopped"
        for consumer in self.consumers:
            checks[f"consumer:{consumer.name}"] = consumer.status()
        return checks
