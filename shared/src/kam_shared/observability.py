"""Structured logs and Prometheus metrics. Each app owns its metric registry, so four apps can share a process."""

import json
import logging
import sys
import threading
import time
from collections.abc import Callable
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


class RepeatFilter(logging.Filter):
    """Rate-limits repeated warnings and errors: the same logger and message (its template, before arguments).

    The first goes through; repeats within `interval` seconds are dropped and counted; the first repeat after
    the interval goes through carrying `repeats_suppressed`, the count dropped since the last one let through.
    A broker outage makes client libraries log the same failure many times a second; this keeps one line."""

    _MAX_KEYS = 1000

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        # (logger, message template) -> [let through again from, dropped since the last one let through]
        self._recent: dict[tuple[str, str], list] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or self.interval <= 0:
            return True
        key = (record.name, str(record.msg))
        now = self._clock()
        with self._lock:
            entry = self._recent.get(key)
            if entry is not None and now < entry[0]:
                entry[1] += 1
                return False
            if len(self._recent) >= self._MAX_KEYS:
                self._recent = {k: v for k, v in self._recent.items() if now < v[0]}
            self._recent[key] = [now + self.interval, 0]
        if entry is not None and entry[1]:
            record.repeats_suppressed = entry[1]
        return True


def configure_logging(level: str = "INFO", *, repeat_interval: float = 30.0) -> None:
    root = logging.getLogger()
    if any(isinstance(handler.formatter, JsonFormatter) for handler in root.handlers):
        root.setLevel(level.upper())
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RepeatFilter(repeat_interval))
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
            "kam_outbox_pending",
            "Outbox rows not yet acknowledged by the broker, counted after each relay pass",
            registry=self.registry,
        )
