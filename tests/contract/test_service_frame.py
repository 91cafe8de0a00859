"""What every service answers alike: health, readiness, metrics, API documentation, authentication, body limits."""

import asyncio
import importlib

import httpx
import pytest

from kam_shared.testing import TEST_API_KEY, running

# (package, settings class, a GET route, a POST route or None)
SERVICES = {
    "registry": ("kam_registry", "RegistrySettings", "/v1/customers/{customer_id}", "/v1/customers"),
    "tiering": ("kam_tiering", "TieringSettings", "/v1/customers/{customer_id}/tier", "/v1/billing-events"),
    "service-desk": ("kam_service_desk", "ServiceDeskSettings", "/v1/tickets", "/v1/tickets"),
    "reporting": ("kam_reporting", "ReportingSettings", "/v1/reports/tiers", None),
}


async def _serve(name: str, database_url):
    package, settings_name, get_route, post_route = SERVICES[name]
    settings_class = getattr(importlib.import_module(f"{package}.config"), settings_name)
    create_app = importlib.import_module(f"{package}.main").create_app
    settings = settings_class(database_url=await database_url(name), admin_api_key=TEST_API_KEY, max_body_bytes=4096)
    return running(create_app(settings), TEST_API_KEY), get_route, post_route


@pytest.fixture(params=list(SERVICES))
async def service(request, database_url):
    context, get_route, post_route = await _serve(request.param, database_url)
    async with context as client:
        yield client, get_route, post_route


@pytest.fixture(params=[name for name, spec in SERVICES.items() if spec[3] is not None])
async def service_taking_bodies(request, database_url):
    context, get_route, post_route = await _serve(request.param, database_url)
    async with context as client:
        yield client, get_route, post_route


async def test_every_service_says_it_is_alive_and_ready(service):
    client, _, _ = service
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert {name: value for name, value in checks.items() if not name.startswith("consumer:")} == {
        "database": "ok",
        "bus": "ok",
    }
    assert all(value == "ok" for value in checks.values()), "each consumer loop reports itself"


async def test_every_service_publishes_its_api_and_metrics(service):
    client, get_route, _ = service
    openapi = (await client.get("/openapi.json")).json()
    assert get_route in openapi["paths"]
    assert (await client.get("/docs")).status_code == 200

    await client.get(get_route.format(customer_id="c-404"))
    metrics = (await client.get("/metrics")).text
    assert f'route="{get_route}"' in metrics
    assert "kam_outbox_pending" in metrics


@pytest.mark.parametrize("key", [None, "", "not-the-key"])
async def test_every_v1_route_refuses_a_request_without_a_valid_key(service, key):
    client, get_route, _ = service
    headers = {"X-API-Key": key} if key is not None else {}
    async with httpx.AsyncClient(transport=client._transport, base_url="http://test", headers=headers) as anonymous:
        response = await anonymous.get(get_route.format(customer_id="c-1"))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'ApiKey, Bearer realm="kam"'


async def test_a_body_over_the_limit_is_refused_with_413_whether_announced_or_streamed(service_taking_bodies):
    client, _, v1_path = service_taking_bodies
    announced = await client.post(
        v1_path, content=b"{" + b" " * 5000 + b"}", headers={"content-type": "application/json"}
    )
    assert announced.status_code == 413

    async def chunks():
        for _ in range(10):
            yield b" " * 1000

    streamed = await client.post(v1_path, content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413
    assert "exceeds 4096 bytes" in streamed.json()["detail"]
    assert streamed.headers["content-type"] == "application/problem+json"


async def test_malformed_json_is_a_422_that_says_where(service_taking_bodies):
    client, _, v1_path = service_taking_bodies
    response = await client.post(v1_path, content=b'{"broken": ', headers={"content-type": "application/json"})
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["status"] == 422 and problem["type"] == "urn:kam:problem:invalid-input"
    assert "JSON" in problem["errors"][0]["reason"]


async def test_a_body_that_stops_arriving_is_a_408_not_a_request_held_for_good(database_url):
    package, settings_name, _, post_route = SERVICES["tiering"]
    settings_class = getattr(importlib.import_module(f"{package}.config"), settings_name)
    create_app = importlib.import_module(f"{package}.main").create_app
    settings = settings_class(
        database_url=await database_url("tiering"), admin_api_key=TEST_API_KEY, body_read_timeout_s=0.3
    )

    async def stalls():
        yield b'{"events": ['
        await asyncio.sleep(30)
        yield b"]}"

    async with running(create_app(settings), TEST_API_KEY) as client:
        response = await asyncio.wait_for(
            client.post(post_route, content=stalls(), headers={"content-type": "application/json"}), 10
        )

    assert response.status_code == 408, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:kam:problem:request-timeout"
