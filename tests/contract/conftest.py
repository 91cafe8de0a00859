"""What the security tests share: a registry and a tiering app with the bootstrap key, callers with other keys."""

import time

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from kam_registry.config import RegistrySettings
from kam_registry.main import create_app as create_registry
from kam_shared.testing import TEST_API_KEY, running
from kam_tiering.config import TieringSettings
from kam_tiering.main import create_app as create_tiering

SECRET = "a-shared-secret-of-the-token-issuer-0123456789"
CUSTOMER = {
    "full_name": "Xiamen Harbour Logistics Co., Ltd.",
    "uscc": "91350100M000100Y43",
    "industry": "manufacturing",
    "branch": "XM01",
    "county": "Siming",
    "address": "1 Harbour Road, Xiamen",
    "contacts": [{"name": "Li Wei", "role": "logistics manager", "phone": "0592-5550100"}],
}


def as_caller(admin: httpx.AsyncClient, **headers: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=admin._transport, base_url="http://test", headers=headers)


async def issue(admin: httpx.AsyncClient, *scopes: str, name: str = "partner") -> dict:
    response = await admin.post("/v1/admin/keys", json={"name": name, "scopes": list(scopes)})
    assert response.status_code == 201, response.text
    return response.json()


def token(claims: dict | None = None, *, secret: str = SECRET, drop: tuple[str, ...] = (), **headers) -> str:
    now = int(time.time())
    body = {"sub": "u-1001", "iss": "kam-suite", "aud": "kam-suite", "exp": now + 600, "roles": ["viewer"]}
    body.update(claims or {})
    for name in drop:
        body.pop(name)
    return jwt.encode(body, secret, algorithm="HS256", headers=headers or None)


@pytest.fixture
async def registry(database_url):
    settings = RegistrySettings(
        database_url=await database_url("registry"),
        admin_api_key=TEST_API_KEY,
        jwt_secret=SECRET,
        rate_limit_per_s=0,
    )
    app = create_registry(settings)
    async with running(app, TEST_API_KEY) as admin:
        yield app, admin


@pytest.fixture
async def tiering(database_url):
    settings = TieringSettings(
        database_url=await database_url("tiering"), admin_api_key=TEST_API_KEY, month_close_automatic=False
    )
    async with running(create_tiering(settings), TEST_API_KEY) as admin:
        yield admin


async def rows(app: FastAPI, sql: str) -> list:
    async with app.state.runtime.engine.connect() as conn:
        return list(await conn.execute(text(sql)))
