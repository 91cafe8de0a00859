"""One error shape: every failure a service answers is RFC 9457 problem details, raised once and rendered once."""

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError

from kam_shared.errors import Conflict, NotFound, install_error_handlers


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=5)
    count: int


def app_raising() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/missing")
    async def missing() -> None:
        raise NotFound("customer c-1 not found")

    @app.get("/conflict")
    async def conflict() -> None:
        raise Conflict("already linked", field="effective_from", extensions={"current_customer_id": "c-2"})

    @app.post("/items")
    async def items(batch: list[Item]) -> int:
        return len(batch)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    return app


async def call(method: str, path: str, **kwargs) -> httpx.Response:
    transport = httpx.ASGITransport(app=app_raising(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, path, **kwargs)


async def test_a_domain_error_is_a_problem_with_its_status_type_and_detail():
    response = await call("GET", "/missing")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "urn:kam:problem:not-found",
        "title": "Not Found",
        "status": 404,
        "detail": "customer c-1 not found",
    }


async def test_a_conflict_names_the_field_and_carries_its_extension_members():
    problem = (await call("GET", "/conflict")).json()

    assert problem["status"] == 409
    assert problem["errors"] == [{"field": "effective_from", "reason": "already linked"}]
    assert problem["current_customer_id"] == "c-2"


async def test_a_validation_error_names_each_field_and_never_echoes_the_input():
    batch = [{"name": "x" * 4000, "count": "many"} for _ in range(200)]

    response = await call("POST", "/items", json=batch)

    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0] == {"field": "0.name", "reason": "String should have at most 5 characters"}
    assert len(problem["errors"]) == 50
    assert "400 problems" in problem["detail"]
    assert "x" * 100 not in response.text
    assert len(response.content) < 10_000


async def test_an_unknown_key_is_named_cut_short_never_echoed_whole():
    key = "k" * 1_500_000

    response = await call("POST", "/items", json=[{"name": "x", "count": 1, key: 1}])

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"].startswith("0.kkkk")
    assert error["field"].endswith("…")
    assert len(error["field"]) <= 200
    assert len(response.content) < 2_000


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"name": "x", "count": 1', "not valid JSON: "),
        (b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply"),
        (b'[{"name": "x", "count": ' + b"9" * 5000 + b"}]", "a number has more digits"),
        (b'[{"name": "\xff", "count": 1}]', "JSON text must be UTF-8"),
    ],
    ids=["truncated", "deeply-nested", "huge-integer", "not-utf8"],
)
async def test_a_body_that_cannot_be_parsed_is_a_422_on_the_body(body, reason):
    response = await call("POST", "/items", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"] == "body"
    assert error["reason"].startswith(reason), error


async def test_an_unknown_route_and_a_wrong_method_are_problems_too():
    unknown = await call("GET", "/nowhere")
    wrong_method = await call("DELETE", "/missing")

    assert (unknown.status_code, unknown.headers["content-type"]) == (404, "application/problem+json")
    assert (wrong_method.status_code, wrong_method.json()["status"]) == (405, 405)


async def test_an_unexpected_failure_is_a_500_problem_that_does_not_leak_internals():
    response = await call("GET", "/boom")

    assert response.status_code == 500
    assert response.json()["type"] == "urn:kam:problem:internal-error"
    assert "secret" not in response.text


class _Refused(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"refused with {sqlstate}")
        self.sqlstate = sqlstate


def app_failing_in_the_database(sqlstate: str) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/store")
    async def store() -> None:
        raise DBAPIError("INSERT ...", {"name": "secret value"}, _Refused(sqlstate))

    return app


async def test_a_value_the_database_refuses_as_data_is_a_422_without_the_statement_or_the_value():
    transport = httpx.ASGITransport(app=app_failing_in_the_database("22021"), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/store")

    assert response.status_code == 422
    assert response.json()["detail"] == "a value in the request cannot be stored (SQLSTATE 22021)"
    assert "secret" not in response.text and "INSERT" not in response.text


async def test_any_other_database_failure_stays_a_500():
    transport = httpx.ASGITransport(app=app_failing_in_the_database("40001"), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/store")

    assert response.status_code == 500
    assert response.json()["type"] == "urn:kam:problem:internal-error"


def app_without_its_database(failure: Exception) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/report")
    async def report() -> None:
        raise failure

    return app


@pytest.mark.parametrize(
    "failure",
    [
        # The server is down: asyncpg's connect raises this unwrapped.
        ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),
        # pg_terminate_backend, a server shutting down or starting up, too many connections.
        DBAPIError("SELECT ...", {}, _Refused("57P01")),
        DBAPIError("SELECT ...", {}, _Refused("57P03")),
        DBAPIError("SELECT ...", {}, _Refused("53300")),
        DBAPIError("SELECT ...", {}, _Refused("08006")),
        DBAPIError("SELECT ...", {}, _Refused("XX000"), connection_invalidated=True),
    ],
    ids=["refused", "terminated", "starting", "too-many", "connection-failure", "invalidated"],
)
async def test_a_database_that_cannot_be_reached_is_a_503_to_retry_not_a_500(failure):
    transport = httpx.ASGITransport(app=app_without_its_database(failure), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/report")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:kam:problem:unavailable"
    assert int(response.headers["retry-after"]) > 0
