"""The NUL character, which PostgreSQL text cannot hold, is refused at the door with a 422 naming where it was."""

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from kam_shared.errors import install_error_handlers
from kam_shared.guards import InputGuardMiddleware, contains_json_nul


class Named(BaseModel):
    name: str


def guarded_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(InputGuardMiddleware)

    @app.get("/things/{thing_id}")
    async def get_thing(thing_id: str, q: str | None = None) -> dict:
        return {"thing_id": thing_id, "q": q}

    @app.post("/things")
    async def post_thing(thing: Named) -> dict:
        return {"name": thing.name}

    return app


async def call(method: str, path: str, **kwargs) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=guarded_app()), base_url="http://test") as client:
        return await client.request(method, path, **kwargs)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"name": "a\\u0000b"}', True),
        (b'{"name": "\\u0000"}', True),
        (b'{"name": "a\\\\u0000b"}', False),  # an escaped backslash, then the text u0000
        (b'{"name": "a\\\\\\u0000b"}', True),  # an escaped backslash, then a real NUL escape
        (b'{"name": "plain"}', False),
    ],
)
def test_a_json_nul_escape_is_told_from_an_escaped_backslash(body, expected):
    assert contains_json_nul(body) is expected


async def test_a_nul_in_a_json_body_is_a_422_naming_the_body():
    response = await call("POST", "/things", json={"name": "a\x00b"})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [{"field": "body", "reason": "contains the NUL character (\\u0000)"}]


async def test_a_nul_in_the_path_or_a_query_parameter_is_a_422():
    in_path = await call("GET", "/things/a%00b")
    in_query = await call("GET", "/things/a", params={"q": "x\x00"})

    assert (in_path.status_code, in_path.json()["errors"][0]["field"]) == (422, "path")
    assert (in_query.status_code, in_query.json()["errors"][0]["field"]) == (422, "q")


async def test_clean_requests_pass_through_unchanged():
    got = await call("GET", "/things/a%20b", params={"q": "上海 100%"})
    posted = await call("POST", "/things", json={"name": "back\\slash u0000"})

    assert got.json() == {"thing_id": "a b", "q": "上海 100%"}
    assert (posted.status_code, posted.json()) == (200, {"name": "back\\slash u0000"})
