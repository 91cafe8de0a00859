"""What the frame answers before a route's own code runs: media types, HEAD, CORS, and how it counts requests."""

from datetime import UTC, datetime

import httpx
import pytest
from prometheus_client import generate_latest

from kam_service_desk.config import ServiceDeskSettings
from kam_service_desk.main import create_app as create_service_desk
from kam_shared.clock import FixedClock
from kam_shared.config import ServiceSettings
from kam_shared.testing import TEST_API_KEY, running

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
async def service_desk(database_url):
    async def start(**settings):
        url = await database_url("service-desk")
        return running(
            create_service_desk(
                ServiceDeskSettings(database_url=url, admin_api_key=TEST_API_KEY, **settings), clock=FixedClock(NOW)
            ),
            TEST_API_KEY,
        )

    return start


def request_counts(app) -> dict[tuple[str, str, str], float]:
    counts = {}
    for metric in app.state.runtime.metrics.registry.collect():
        for sample in metric.samples:
            if sample.name == "kam_http_requests_total":
                labels = sample.labels
                counts[(labels["method"], labels["route"], labels["status"])] = sample.value
    return counts


async def test_metrics_name_the_route_whatever_the_parameter_values(service_desk):
    async with await service_desk() as client:
        app = client._transport.app
        # Each id is a prefix of an earlier segment of the path ("t" of "tickets"): values must not leak in.
        for ticket_id in ("t", "ti", "tic", "v", "3f2c9a"):
            await client.get(f"/v1/tickets/{ticket_id}")
        await client.get("/v1/no-such-route")
    assert request_counts(app) == {
        ("GET", "/v1/tickets/{ticket_id}", "404"): 5,
        ("GET", "unmatched", "404"): 1,
    }


async def test_in_the_all_in_one_suite_metrics_name_the_route_with_its_mount_prefix(tmp_path):
    from kam_suite.main import create_suite_app

    suite = create_suite_app(tmp_path / "data", TEST_API_KEY)
    async with running(suite, TEST_API_KEY) as client:
        await client.get("/service-desk/v1/tickets/t")
        await client.get("/service-desk/v1/tickets/tic")
    text = generate_latest(suite.state.services["service-desk"].state.runtime.metrics.registry).decode()
    lines = [line for line in text.splitlines() if line.startswith("kam_http_requests_total{")]
    assert lines == [
        'kam_http_requests_total{method="GET",route="/service-desk/v1/tickets/{ticket_id}",status="404"} 2.0'
    ]


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/xml", "application/jsonx"]
)
async def test_a_route_taking_json_refuses_any_other_body_with_415(service_desk, content_type):
    headers = {"content-type": content_type} if content_type else {}
    async with await service_desk() as client:
        # httpx adds no content type to raw content; None really sends none.
        response = await client.post("/v1/tickets", content=b'{"subject": "x"}', headers=headers)
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:kam:problem:unsupported-media-type"
    assert response.headers["Accept-Post"] == "application/json"


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8", "application/x+json"])
async def test_json_in_any_of_its_spellings_reaches_the_route(service_desk, content_type):
    async with await service_desk() as client:
        response = await client.post("/v1/tickets", content=b'{"subject": "x"}', headers={"content-type": content_type})
    assert response.status_code == 422  # the route's own validation: the body is read as JSON
    assert {error["field"] for error in response.json()["errors"]} >= {"customer_id", "type"}


async def test_without_a_key_the_answer_is_401_whatever_the_body(service_desk):
    async with (
        await service_desk() as client,
        httpx.AsyncClient(transport=client._transport, base_url="http://test") as anonymous,
    ):
        response = await anonymous.post("/v1/tickets", content=b"x", headers={"content-type": "text/plain"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/healthz", "/healthz"),
        ("/readyz", "/readyz"),
        ("/v1/tickets", "/v1/tickets"),
        ("/v1/tickets/t-404", "/v1/tickets/{ticket_id}"),
        ("/docs", "/docs"),
        ("/openapi.json", "/openapi.json"),
        ("/docs-assets/swagger-ui.css", "/docs-assets/{path}"),
    ],
)
async def test_head_answers_wherever_get_does_with_the_same_status_and_no_body(service_desk, path, route):
    async with await service_desk() as client:
        app = client._transport.app
        got = await client.get(path)
        head = await client.head(path)
    assert head.status_code == got.status_code
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.content == b""
    counts = request_counts(app)
    assert counts[("HEAD", route, str(head.status_code))] == counts[("GET", route, str(got.status_code))] == 1


async def test_head_is_not_taken_where_there_is_no_get(service_desk):
    async with await service_desk() as client:
        response = await client.head("/v1/no-such-route")
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/healthz", "/", "/registry/healthz", "/reporting/v1/reports/tiers"])
async def test_the_all_in_one_suite_answers_head_too(tmp_path, path):
    from kam_suite.main import create_suite_app

    async with running(create_suite_app(tmp_path / "data", TEST_API_KEY), TEST_API_KEY) as client:
        response = await client.head(path)
    assert response.status_code == 200
    assert response.content == b""


async def test_cors_is_off_unless_origins_are_configured(service_desk):
    async with await service_desk() as client:
        preflight = await client.options(
            "/v1/tickets",
            headers={"Origin": "https://kam.example", "Access-Control-Request-Method": "POST"},
        )
        simple = await client.get("/v1/tickets", headers={"Origin": "https://kam.example"})
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in simple.headers


async def test_cors_lets_configured_origins_in_and_no_others(service_desk):
    async with await service_desk(cors_origins=["https://kam.example"]) as client:
        preflight = await client.options(
            "/v1/tickets",
            headers={
                "Origin": "https://kam.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "X-API-Key, Content-Type",
            },
        )
        simple = await client.get("/v1/tickets", headers={"Origin": "https://kam.example"})
        stranger = await client.get("/v1/tickets", headers={"Origin": "https://evil.example"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://kam.example"
    assert "x-api-key" in preflight.headers["access-control-allow-headers"].lower()
    assert simple.headers["access-control-allow-origin"] == "https://kam.example"
    assert "access-control-allow-origin" not in stranger.headers


def test_cors_origins_come_from_the_service_prefix_or_the_plain_name(monkeypatch):
    monkeypatch.setenv("KAM_CORS_ORIGINS", "https://a.example, https://b.example")
    assert ServiceSettings().cors_origins == ["https://a.example", "https://b.example"]
    monkeypatch.setenv("KAM_SERVICE_DESK_CORS_ORIGINS", '["https://desk.example"]')
    assert ServiceDeskSettings().cors_origins == ["https://desk.example"]
    monkeypatch.delenv("KAM_CORS_ORIGINS")
    monkeypatch.delenv("KAM_SERVICE_DESK_CORS_ORIGINS")
    assert ServiceSettings().cors_origins == []


async def test_a_body_that_is_not_utf8_is_a_422_like_malformed_json(service_desk):
    async with await service_desk() as client:
        response = await client.post("/v1/tickets", content=b"\xff\xfe{", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "body", "reason": "JSON text must be UTF-8"}]


@pytest.mark.parametrize(("method", "path"), [("OPTIONS", "/v1/tickets"), ("DELETE", "/v1/tickets")])
async def test_a_method_not_allowed_lists_every_method_the_path_takes(service_desk, method, path):
    async with await service_desk() as client:
        response = await client.request(method, path)
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["allow"] == "GET, HEAD, POST"


async def test_the_all_in_one_suite_lists_every_method_a_path_takes_too(tmp_path):
    from kam_suite.main import create_suite_app

    async with running(create_suite_app(tmp_path / "data", TEST_API_KEY), TEST_API_KEY) as client:
        response = await client.request("DELETE", "/service-desk/v1/tickets")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST"


@pytest.mark.parametrize("path", ["/nowhere", "/tiering/v1/customers/a%0Ab/tier"])
async def test_the_all_in_one_suite_answers_a_path_no_service_takes_with_a_problem(tmp_path, path):
    from kam_suite.main import create_suite_app

    async with running(create_suite_app(tmp_path / "data", TEST_API_KEY), TEST_API_KEY) as client:
        response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:kam:problem:not-found"
