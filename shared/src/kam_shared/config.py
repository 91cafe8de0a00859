"""Settings shared by every service. Each service subclasses with its own env prefix (KAM_REGISTRY_, ...).

The plain names of the distributed deployment (DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS, KAM_ADMIN_API_KEY)
are read too, below the prefixed ones, so one container needs no prefix and one host can run several."""

import json
import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

_PLAIN_NAMES = {
    "database_url": "DATABASE_URL",
    "kafka_bootstrap_servers": "KAFKA_BOOTSTRAP_SERVERS",
    "kafka_enable_idempotence": "KAFKA_ENABLE_IDEMPOTENCE",
    "admin_api_key": "KAM_ADMIN_API_KEY",
    "data_dir": "KAM_DATA_DIR",
    "log_level": "KAM_LOG_LEVEL",
    "cors_origins": "KAM_CORS_ORIGINS",
    "body_read_timeout_s": "KAM_BODY_READ_TIMEOUT_S",
    "jwt_secret": "KAM_JWT_SECRET",
    "jwt_jwks_url": "KAM_JWT_JWKS_URL",
    "jwt_issuer": "KAM_JWT_ISSUER",
    "jwt_audience": "KAM_JWT_AUDIENCE",
    "rate_limit_per_s": "KAM_RATE_LIMIT_PER_S",
    "rate_limit_burst": "KAM_RATE_LIMIT_BURST",
}


def _plain_environment() -> dict[str, Any]:
    return {field: os.environ[name] for field, name in _PLAIN_NAMES.items() if os.environ.get(name)}


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    port: int = Field(default=8000, ge=1, le=65535, description="HTTP port when the service runs alone")
    database_url: str | None = Field(default=None, description="SQLAlchemy async URL; SQLite in data_dir when unset")
    kafka_bootstrap_servers: str | None = Field(
        default=None, description="Kafka brokers; the in-process bus when unset"
    )
    kafka_topic_partitions: int = Field(default=3, ge=1)
    kafka_replication_factor: int = Field(default=1, ge=1)
    kafka_session_timeout_ms: int = Field(default=10000, ge=1000)
    kafka_enable_idempotence: bool = Field(
        default=False,
        description="idempotent producer: per-partition order survives retries; needs a broker with InitProducerId",
    )
    admin_api_key: SecretStr | None = Field(
        default=None, description="the bootstrap key: every scope, not rate limited; issue named keys with it"
    )
    api_key_cache_s: float = Field(
        default=10,
        ge=0,
        le=3600,
        description="how long a replica trusts a key it looked up (revocations wait that long)",
    )
    jwt_secret: SecretStr | None = Field(default=None, description="HS256 secret of frontends' bearer tokens")
    jwt_jwks_url: str | None = Field(default=None, description="JWKS of the token issuer (RS256/ES256)")
    jwt_issuer: str = Field(default="kam-suite", min_length=1, description="the `iss` a bearer token must carry")
    jwt_audience: str = Field(default="kam-suite", min_length=1, description="the `aud` a bearer token must carry")
    rate_limit_per_s: float = Field(
        default=100, ge=0, description="requests a second per caller, on average (0: no limit); 429 beyond"
    )
    rate_limit_burst: float = Field(default=200, ge=1, description="requests a caller may make at once")
    data_dir: Path = Path("data")
    log_level: str = "INFO"
    migrate_on_start: bool = True
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="origins whose browser pages may call the API, comma-separated (`*` for any); none: CORS off",
    )
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    # A client that announced a body and stops sending it holds a connection: after this long between two
    # parts of the body the request ends with a 408.
    body_read_timeout_s: float = Field(default=30.0, gt=0, le=3600)
    # Overflow connections are closed as soon as they are returned, so under steady load they are opened again
    # and again (TLS negotiation, statement cache lost): size the pool for the load, overflow for bursts only.
    db_pool_size: int = Field(default=20, ge=1, description="PostgreSQL connections kept open per process")
    db_max_overflow: int = Field(default=0, ge=0, description="extra PostgreSQL connections for bursts, closed after")
    db_pool_timeout_s: float = Field(default=30, gt=0, description="how long a request waits for a free connection")
    db_pool_recycle_s: float = Field(
        default=1800, gt=0, description="a PostgreSQL connection older than this is replaced at its next checkout"
    )
    db_read_pool_size: int = Field(
        default=10, ge=1, description="PostgreSQL connections of the read path (lookups and pages), opened as needed"
    )
    relay_poll_interval_s: float = Field(default=1.0, gt=0)
    relay_batch_size: int = Field(default=500, ge=1)
    consumer_max_records: int = Field(default=500, ge=1)
    consumer_max_message_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="a record larger than this is dead-lettered as `oversized`"
    )
    consumer_constraint_retries: int = Field(
        default=5, ge=1, description="attempts of one event failing the same constraint before it is dead-lettered"
    )
    consumer_commit_timeout_s: float = Field(
        default=10, gt=0, description="an offset commit taking longer rebuilds the consumer's subscription"
    )
    consumer_stall_after_s: float = Field(
        default=60, gt=0, description="readiness reports a consumer stalled after this long with work but no progress"
    )
    kafka_consumer_group_suffix: str = Field(
        default="",
        max_length=50,
        pattern=r"^[A-Za-z0-9._-]*$",
        description="appended to each consumer group: a new suffix reads the topics from their start, to rebuild a"
        " read model into an empty database",
    )
    kafka_metadata_max_age_ms: int = Field(
        default=30000, ge=1000, description="how soon clients notice new partitions or a broker that lost topics"
    )
    kafka_retry_backoff_ms: int = Field(
        default=500, ge=10, description="pause between the Kafka client's own retries (reconnects, metadata)"
    )
    kafka_topic_check_interval_s: float = Field(
        default=30, gt=0, description="how long a producer trusts that the topics it created still exist"
    )
    log_repeat_interval_s: float = Field(
        default=30, ge=0, description="a repeated warning or error is logged once, then summarised per interval"
    )
    outbox_retention_days: float = Field(default=7, gt=0, description="how long sent outbox rows are kept")
    inbox_retention_days: float = Field(default=30, gt=0, description="how long processed event ids are remembered")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[Any, ...]:
        return (init_settings, env_settings, _plain_environment, dotenv_settings, file_secret_settings)

    def resolved_database_url(self, service: str) -> str:
        from kam_shared.db import sqlite_url

        return self.database_url or sqlite_url(self.data_dir, service)
