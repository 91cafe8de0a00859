from dataclasses import dataclass

from sqlalchemy import JSON, Column, Index, Integer, LargeBinary, MetaData, String, Table, Text, text

from kam_shared.db import BigId, UtcDateTime

LEGACY_SOURCE = ""


@dataclass(frozen=True, slots=True)
class MessagingTables:
    outbox: Table
    inbox: Table


def define_messaging_tables(metadata: MetaData) -> MessagingTables:
    """Adds the outbox and inbox to a service's own metadata, so its migrations create them beside its tables."""
    outbox = Table(
        "outbox",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("event_type", String(100), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("message_key", LargeBinary, nullable=True),
        Column("headers", JSON, nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("sent_at", UtcDateTime(), nullable=True),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text, nullable=True),
    )
    Index(
        "ix_outbox_unsent",
        outbox.c.id,
        postgresql_where=outbox.c.sent_at.is_(None),
        sqlite_where=outbox.c.sent_at.is_(None),
    )
    # CloudEvents makes `source` + `id` unique, not `id` alone: two producers may reuse each other's ids.
    # LEGACY_SOURCE marks entries recorded before the source was kept; they match an id from any source.
    inbox = Table(
        "inbox",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("source", String(200), primary_key=True, server_default=text(f"'{LEGACY_SOURCE}'")),
        Column("event_id", String(200), primary_key=True),
        Column("event_type", String(100), nullable=False),
        Column("processed_at", UtcDateTime(), nullable=False),
    )
    return MessagingTables(outbox=outbox, inbox=inbox)
