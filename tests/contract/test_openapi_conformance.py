"""Schemathesis over each service's OpenAPI document: no 5xx, no undocumented status, responses match the schema.

Each service runs on a uvicorn port of its own (SQLite, in-process bus), the way a client meets it. Marked
`schemathesis`: left out of a plain `./kam test` (see pyproject addopts), run by `./kam test -m schemathesis`
and by CI. Examples per operation are bounded (KAM_SCHEMATHESIS_EXAMPLES, default 100) and derandomized, so a
run of all four takes well under a minute and a failure reproduces."""

import importlib
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from conftest import free_port
from kam_shared.testing import TEST_API_KEY

pytestmark = pytest.mark.schemathesis

SERVICES = {
    "registry": ("kam_registry", "RegistrySettings"),
    "tiering": ("kam_tiering", "TieringSettings"),
    "service-desk": ("kam_service_desk", "ServiceDeskSettings"),
    "reporting": ("kam_reporting", "ReportingSettings"),
}
EXAMPLES = int(os.environ.get("KAM_SCHEMATHESIS_EXAMPLES", "100"))

# Findings in routes this suite does not own, each with the input that shows it: (service, METHOD, path) -> reason.
KNOWN_FINDINGS: dict[tuple[str, str, str], str] = {}


def create_app(name: str, **settings):
    package, settings_name = SERVICES[name]
    settings_class = getattr(importlib.import_module(f"{package}.config"), settings_name)
    return importlib.import_module(f"{package}.main").create_app(settings_class(admin_api_key=TEST_API_KEY, **settings))


def documented_operations() -> list[tuple[str, str, str]]:
    found = []
    for name in SERVICES:
        document = create_app(name, database_url="sqlite+aiosqlite:///:memory:").openapi()
        for path, item in document["paths"].items():
            for method in item:
                found.append((name, method.upper(), path))
    return found


def operation_params() -> list:
    params = []
    for service, method, path in documented_operations():
        reason = KNOWN_FINDINGS.get((service, method, path))
        marks = [pytest.mark.xfail(reason=reason, strict=False)] if reason else []
        params.append(pytest.param(service, method, path, id=f"{service} {method} {path}", marks=marks))
    return params


@dataclass
class Served:
    base_url: str
    schema: object


class Server:
    """A service on 127.0.0.1:<free port> in a thread of its own, lifespan included."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the service did not start")
            time.sleep(0.02)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc_info) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[dict[str, Served]]:
    import schemathesis

    started: dict[str, Served] = {}
    servers: list[Server] = []

    def serve(name: str) -> Served:
        if name not in started:
            data = tmp_path_factory.mktemp(name)
            server = Server(create_app(name, database_url=f"sqlite+aiosqlite:///{data / 'db.sqlite'}"))
            base_url = server.__enter__()
            servers.append(server)
            started[name] = Served(base_url, schemathesis.openapi.from_url(f"{base_url}/openapi.json"))
        return started[name]

    try:
        yield serve
    finally:
        for server in servers:
            server.__exit__(None, None, None)


@pytest.mark.parametrize(("service", "method", "path"), operation_params())
def test_every_documented_operation_answers_only_as_documented(served, service, method, path):
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation import GenerationMode
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    target = served(service)
    operation = target.schema[path][method]
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def call(case) -> None:
        case.call_and_validate(
            base_url=target.base_url,
            headers={"X-API-Key": TEST_API_KEY},
            checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
            timeout=30,
        )

    call()
