"""Structured logs and Prometheus metrics. Each app owns its metric registry, so four apps can share a process."""

import json
import logging
import sys
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# uvicorn adds an ANSI-coloured copy of each message; the JSON line keeps only the plain one.
_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        document = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        document.update({key: value for key, value in record.__dict__.items() if key not in _RESERVED})
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, default=str, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    if any(isinstance(handler.formatter, JsonFormatter) for handler in root.handlers):
        root.setLevel(level.upper())
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("aiokafka").setLevel(logging.WARNING)


class Metrics:
    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "kam_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.request_seconds = Histogram(
            "kam_http_request_seconds", "HTTP request latency", ["method", "route"], registry=self.registry
        )
        self.events_processed = Counter(
            "kam_events_processed_total", "Events applied by a consumer", ["consumer", "type"], registry=self.registry
        )
        self.events_duplicate = Counter(
            "kam_events_duplicate_total",
            "Redelivered events skipped by the inbox",
            ["consumer"],
            registry=self.registry,
        )
        self.events_skipped = Counter(
            "kam_events_skipped_total",
            "Events of types a consumer does not handle, passed over without decoding their data",
            ["consumer", "type"],
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "kam_dead_letters_total",
            "Messages sent to a dead-letter topic",
            ["consumer", "reason"],
            registry=self.registry,
        )
        self.consumer_retries = Counter(
            "kam_consumer_retries_total",
            "Batches retried after a transient failure",
            ["consumer"],
            registry=self.registry,
        )
        self.outbox_published = Counter(
            "kam_outbox_published_total", "Outbox rows acknowledged by the broker", registry=self.registry
        )
        self.outbox_failures = Counter(
            "kam_outbox_failures_total", "Relay attempts that failed", registry=self.registry
        )
        self.outbox_pending = Gauge(
            "kam_outbox_pending", "Outbox rows not yet acknowledged, as last seen by the relay", registry=self.registry
        )
