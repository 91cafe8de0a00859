"""Repeated warnings and errors are logged once, then summarised at most once per interval."""

import io
import json
import logging

from kam_shared.observability import JsonFormatter, RepeatFilter


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def json_logger(name: str, clock: Ticks, interval: float = 30.0) -> tuple[logging.Logger, io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RepeatFilter(interval, clock=clock))
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, out


def lines(out: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_an_error_repeated_many_times_a_second_is_logged_once_then_once_per_interval_with_a_count():
    clock = Ticks()
    logger, out = json_logger("test.repeats", clock)
    for attempt in range(118):
        logger.error("Unable connect to node with id %s: %s", 1, f"attempt {attempt}")
        clock.now += 0.01
    clock.now += 30
    logger.error("Unable connect to node with id %s: %s", 1, "again")

    logged = lines(out)
    assert [line["message"] for line in logged] == [
        "Unable connect to node with id 1: attempt 0",
        "Unable connect to node with id 1: again",
    ]
    assert "repeats_suppressed" not in logged[0]
    assert logged[1]["repeats_suppressed"] == 117


def test_different_messages_and_informational_lines_are_not_held_back():
    clock = Ticks()
    logger, out = json_logger("test.distinct", clock)
    logger.warning("start failed; retrying")
    logger.warning("dead-letter failed; retrying")
    for _ in range(3):
        logger.info("created topics")

    assert [line["message"] for line in lines(out)] == [
        "start failed; retrying",
        "dead-letter failed; retrying",
        "created topics",
        "created topics",
        "created topics",
    ]
