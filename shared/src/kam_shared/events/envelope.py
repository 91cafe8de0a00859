"""CloudEvents 1.0 envelope and its Kafka binding (binary mode on the way out; binary or structured on the way in).

Schema versions (docs/events.md): `ce_schemaversion` is "MAJOR" or "MAJOR.MINOR". A minor adds optional fields
and every reader of the same major ignores what it does not know; a newer major is unreadable."""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError

from kam_shared.events.catalog import Event, event_class

SPEC_VERSION = "1.0"
JSON = "application/json"
# Event ids are remembered by every consumer's inbox, whose column holds this many characters.
MAX_ID_LENGTH = 200
STRUCTURED = "application/cloudevents+json"


class PoisonMessage(Exception):
    """A message no retry can fix: it goes to the dead-letter topic with this reason."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Envelope:
    id: str
    type: str
    source: str
    time: datetime
    subject: str | None
    schemaversion: int
    data: Event

    @classmethod
    def wrap(cls, event: Event, *, source: str, time: datetime, id: str | None = None) -> "Envelope":
        if time.tzinfo is None:
            raise ValueError("event time must be time-zone aware")
        return cls(
            id=id or str(uuid.uuid4()),
            type=event.TYPE,
            source=source,
            time=time.astimezone(UTC),
            subject=event.subject,
            schemaversion=event.SCHEMA_VERSION,
            data=event,
        )


@dataclass(frozen=True, slots=True)
class WireMessage:
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]


def header_texts(envelope: Envelope, time_text: str | None = None) -> list[tuple[str, str]]:
    """The binary-mode headers as text; `time_text` is envelope.time.isoformat() when a caller has it already."""
    headers = [
        ("ce_specversion", SPEC_VERSION),
        ("ce_id", envelope.id),
        ("ce_source", envelope.source),
        ("ce_type", envelope.type),
        ("ce_time", time_text if time_text is not None else envelope.time.isoformat()),
        ("ce_schemaversion", str(envelope.schemaversion)),
        ("content-type", JSON),
    ]
    if envelope.subject is not None:
        headers.append(("ce_subject", envelope.subject))
    return headers


def encode(envelope: Envelope) -> WireMessage:
    return WireMessage(
        key=envelope.subject.encode() if envelope.subject is not None else None,
        value=envelope.data.model_dump_json().encode(),
        headers=tuple((name, value.encode()) for name, value in header_texts(envelope)),
    )


def event_type_of(value: bytes | None, headers: list[tuple[str, bytes]] | tuple[tuple[str, bytes], ...]) -> str | None:
    """The event type a message declares, read without validating anything else; None when it declares none.

    A consumer uses it to pass over types it does not handle before their data is looked at."""
    attrs = dict(headers)
    content_type = attrs.get("content-type") or b""
    if content_type.startswith(STRUCTURED.encode()):
        try:
            document = json.loads(value or b"")
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        declared = document.get("type") if isinstance(document, dict) else None
        return declared if isinstance(declared, str) else None
    raw = attrs.get("ce_type")
    try:
        return raw.decode() if raw is not None else None
    except UnicodeDecodeError:
        return None


def parse_schema_version(text: str) -> tuple[int, int]:
    """(major, minor) of "MAJOR" or "MAJOR.MINOR"; ValueError for anything else."""
    major, _, minor = text.strip().partition(".")
    if not major.isdigit() or not (minor == "" or minor.isdigit()):
        raise ValueError(f"schema version {text!r} is not MAJOR or MAJOR.MINOR")
    return int(major), int(minor or 0)


def decode(value: bytes | None, headers: list[tuple[str, bytes]] | tuple[tuple[str, bytes], ...]) -> Envelope:
    try:
        attrs = {name: raw.decode() for name, raw in headers if raw is not None}
    except UnicodeDecodeError as exc:
        raise PoisonMessage("bad-header", str(exc)) from None
    if attrs.get("content-type", "").startswith(STRUCTURED):
        return _decode_structured(value)
    if value is None:
        raise PoisonMessage("empty-value")
    cloud = {name[3:]: raw for name, raw in attrs.items() if name.startswith("ce_")}
    content_type = attrs.get("content-type", JSON)
    if not content_type.startswith(JSON):
        raise PoisonMessage("unsupported-content-type", content_type)
    try:
        data = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PoisonMessage("unparseable-data", str(exc)) from None
    return _build(cloud, data)


def _decode_structured(value: bytes | None) -> Envelope:
    try:
        document = json.loads(value or b"")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PoisonMessage("unparseable-data", str(exc)) from None
    if not isinstance(document, dict):
        raise PoisonMessage("unparseable-data", "structured event is not a JSON object")
    data = document.pop("data", None)
    return _build({name: str(attr) for name, attr in document.items() if attr is not None}, data)


def _build(cloud: dict[str, str], data: object) -> Envelope:
    missing = [name for name in ("specversion", "id", "source", "type", "time") if not cloud.get(name)]
    if missing:
        raise PoisonMessage("missing-attribute", ", ".join(missing))
    if len(cloud["id"]) > MAX_ID_LENGTH:
        raise PoisonMessage("bad-attribute", f"id longer than {MAX_ID_LENGTH} characters")
    if cloud["specversion"] != SPEC_VERSION:
        raise PoisonMessage("unsupported-specversion", cloud["specversion"])
    try:
        time = datetime.fromisoformat(cloud["time"].replace("Z", "+00:00"))
    except ValueError:
        raise PoisonMessage("bad-attribute", f"time={cloud['time']!r}") from None
    if time.tzinfo is None:
        raise PoisonMessage("bad-attribute", "time has no offset")
    cls = event_class(cloud["type"])
    if cls is None:
        raise PoisonMessage("unknown-type", cloud["type"])
    try:
        version, _minor = parse_schema_version(cloud.get("schemaversion", "1"))
    except ValueError:
        raise PoisonMessage("bad-attribute", f"schemaversion={cloud.get('schemaversion')!r}") from None
    # Any minor of a known major parses (unknown fields are ignored); a newer major may mean something else.
    if version > cls.SCHEMA_VERSION or version < 1:
        raise PoisonMessage("unsupported-schema-version", f"{cls.TYPE} v{cloud.get('schemaversion')}")
    try:
        event = cls.model_validate(data)
    except ValidationError as exc:
        raise PoisonMessage("invalid-data", _summarise(exc)) from None
    return Envelope(
        id=cloud["id"],
        type=cls.TYPE,
        source=cloud["source"],
        time=time,
        subject=cloud.get("subject"),
        schemaversion=version,
        data=event,
    )


def _summarise(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors())[:1000]
