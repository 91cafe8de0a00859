from dataclasses import dataclass

from sqlalchemy import JSON, Column, Index, Integer, LargeBinary, MetaData, String, Table

from kam_shared.db import BigId, UtcDateTime


@dataclass(frozen=True, slots=True)
class SecurityTables:
    api_key: Table
    audit_entry: Table
    idempotency_key: Table


def define_security_tables(metadata: MetaData) -> SecurityTables:
    """Adds the API keys and the audit trail to a service's own metadata, so its migrations create them."""
    api_key = Table(
        "api_key",
        metadata,
        # The public part of the key (`kam_<id>_<secret>`): names the key in lists, logs and the audit.
        Column("id", String(16), primary_key=True),
        Column("name", String(100), nullable=False),
        # SHA-256 of the whole key: a key is 256 random bits, so a plain hash is enough and a lookup is one probe.
        Column("secret_hash", String(64), nullable=False, unique=True),
        Column("scopes", JSON, nullable=False),
        Column("org_unit", String(100), nullable=True),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("created_by", String(200), nullable=False),
        Column("revoked_at", UtcDateTime(), nullable=True),
        Column("revoked_by", String(200), nullable=True),
    )
    # Append-only: the service inserts rows and never updates or deletes them (on PostgreSQL a trigger refuses both).
    audit_entry = Table(
        "audit_entry",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("at", UtcDateTime(), nullable=False),
        Column("actor", String(200), nullable=False),
        Column("actor_kind", String(20), nullable=False),
        Column("org_unit", String(100), nullable=True),
        Column("outcome", String(20), nullable=False),
        Column("method", String(10), nullable=False),
        Column("route", String(300), nullable=False),
        Column("target", JSON, nullable=False),
        Column("status", Integer, nullable=False),
        Column("client", String(100), nullable=True),
        Column("user_agent", String(200), nullable=True),
    )
    Index("ix_audit_entry_at", audit_entry.c.at)
    Index("ix_audit_entry_actor_at", audit_entry.c.actor, audit_entry.c.at)
    # A caller's Idempotency-Key and the answer it got: a retry with the same key and body gets that answer again.
    idempotency_key = Table(
        "idempotency_key",
        metadata,
        Column("caller", String(220), primary_key=True),
        Column("key", String(200), primary_key=True),
        Column("fingerprint", String(64), nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        # Null while the first request runs.
        Column("status", Integer, nullable=True),
        Column("headers", JSON, nullable=True),
        Column("body", LargeBinary, nullable=True),
    )
    Index("ix_idempotency_key_created_at", idempotency_key.c.created_at)
    return SecurityTables(api_key=api_key, audit_entry=audit_entry, idempotency_key=idempotency_key)
