"""Who may call what: named API keys with scopes, bearer JWTs of frontend users, rate limits and the audit trail.
Idempotency keys are in test_idempotency_keys.py."""

import base64
import hashlib
import hmac
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import APIRouter
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from sqlalchemy import text

from kam_registry.config import RegistrySettings
from kam_registry.main import DEFINITION as REGISTRY
from kam_registry.main import create_app as create_registry
from kam_shared.http import create_service_app
from kam_shared.runtime import ServiceRuntime
from kam_shared.testing import TEST_API_KEY, running

from .conftest import CUSTOMER, SECRET, as_caller, issue, rows, token  # noqa: TID252


class TestNamedKeys:
    async def test_a_key_is_shown_once_stored_as_a_hash_and_works_with_its_scopes(self, registry):
        app, admin = registry
        created = await issue(admin, "customers:read", "customers:write", name="crm sync")

        assert created["key"].startswith(f"kam_{created['id']}_")
        listed = (await admin.get("/v1/admin/keys")).json()
        assert [key["id"] for key in listed] == [created["id"]] and "key" not in listed[0]
        stored = await rows(app, "SELECT * FROM api_key")
        assert created["key"] not in json.dumps([list(map(str, row)) for row in stored])
        async with as_caller(admin, **{"X-API-Key": created["key"]}) as crm:
            response = await crm.post("/v1/customers", json=CUSTOMER)
            assert response.status_code == 201, response.text
            assert (await crm.get(f"/v1/customers/{response.json()['id']}")).status_code == 200

    async def test_a_revoked_key_is_refused_at_once_and_revoking_twice_keeps_the_first_revocation(self, registry):
        _, admin = registry
        created = await issue(admin, "customers:read")
        async with as_caller(admin, **{"X-API-Key": created["key"]}) as caller:
            assert (await caller.get("/v1/customers")).status_code == 200
            assert (await admin.delete(f"/v1/admin/keys/{created['id']}")).status_code == 204
            assert (await caller.get("/v1/customers")).status_code == 401
        first = (await admin.get("/v1/admin/keys")).json()[0]["revoked_at"]
        assert (await admin.delete(f"/v1/admin/keys/{created['id']}")).status_code == 204
        assert (await admin.get("/v1/admin/keys")).json()[0]["revoked_at"] == first
        assert (await admin.delete("/v1/admin/keys/0123456789ab")).status_code == 404

    async def test_a_key_that_was_never_issued_but_looks_like_one_is_refused(self, registry):
        _, admin = registry
        forged = "kam_0123456789ab_" + "A" * 43
        async with as_caller(admin, **{"X-API-Key": forged}) as caller:
            assert (await caller.get("/v1/customers")).status_code == 401

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"name": "x", "scopes": ["customers:delete"]}, "scopes.0"),
            ({"name": "x", "scopes": []}, "scopes"),
            ({"name": "x", "scopes": ["admin", "admin"]}, "scopes"),
            ({"name": "", "scopes": ["admin"]}, "name"),
            ({"name": "x", "scopes": ["admin"], "org_unit": "XM\x0101"}, "org_unit"),
        ],
    )
    async def test_a_bad_key_request_is_refused_naming_the_field(self, registry, body, field):
        _, admin = registry
        response = await admin.post("/v1/admin/keys", json=body)
        assert response.status_code == 422
        assert field in [error["field"] for error in response.json()["errors"]]
        assert (await admin.get("/v1/admin/keys")).json() == []


class TestScopes:
    async def test_a_read_scope_reads_and_cannot_write(self, registry):
        _, admin = registry
        reader = await issue(admin, "customers:read")
        async with as_caller(admin, **{"X-API-Key": reader["key"]}) as caller:
            assert (await caller.get("/v1/customers")).status_code == 200
            refused = await caller.post("/v1/customers", json=CUSTOMER)
        assert refused.status_code == 403
        assert refused.json()["detail"] == "this needs the scope customers:write, which the caller does not have"
        assert (await admin.get("/v1/customers")).json()["items"] == []

    async def test_only_admin_manages_keys_and_reads_the_audit(self, registry):
        _, admin = registry
        writer = await issue(admin, "customers:read", "customers:write")
        async with as_caller(admin, **{"X-API-Key": writer["key"]}) as caller:
            assert (await caller.get("/v1/admin/keys")).status_code == 403
            assert (await caller.post("/v1/admin/keys", json={"name": "me", "scopes": ["admin"]})).status_code == 403
            assert (await caller.get("/v1/admin/audit")).status_code == 403
        assert len((await admin.get("/v1/admin/keys")).json()) == 1

    async def test_a_partner_key_posts_billing_and_reads_no_tiers(self, tiering):
        partner = await issue(tiering, "billing:write")
        event = {
            "billing_id": "B-1",
            "account_no": "ACC-1",
            "amount_minor": 100,
            "currency": "CNY",
            "business_line": "express",
            "posted_on": "2026-12-01",
        }
        async with as_caller(tiering, **{"X-API-Key": partner["key"]}) as caller:
            assert (await caller.post("/v1/billing-events", json={"events": [event]})).status_code == 202
            assert (await caller.get("/v1/customers/C-1/tier")).status_code == 403
            assert (await caller.post("/v1/months/2026-10/close")).status_code == 403

    async def test_every_v1_route_of_a_service_must_declare_its_scopes(self):
        open_router = APIRouter(prefix="/things")

        @open_router.get("")
        async def things() -> list[str]:
            return []

        runtime = ServiceRuntime(REGISTRY, RegistrySettings(database_url="sqlite+aiosqlite://"))
        with pytest.raises(RuntimeError, match="/v1/things declares no scopes"):
            create_service_app(runtime, title="t", description="d", routers=[open_router])


class TestBearerTokens:
    async def test_a_viewer_token_reads_and_cannot_write(self, registry):
        _, admin = registry
        async with as_caller(admin, Authorization=f"Bearer {token()}") as viewer:
            assert (await viewer.get("/v1/customers")).status_code == 200
            assert (await viewer.post("/v1/customers", json=CUSTOMER)).status_code == 403

    async def test_a_manager_token_writes_and_the_change_names_the_user(self, registry):
        app, admin = registry
        async with as_caller(admin, Authorization=f"Bearer {token({'roles': ['manager'], 'sub': 'u-7'})}") as user:
            assert (await user.post("/v1/customers", json=CUSTOMER)).status_code == 201
        entries = (await admin.get("/v1/admin/audit", params={"outcome": "changed"})).json()["items"]
        assert [(entry["actor"], entry["actor_kind"], entry["route"]) for entry in entries] == [
            ("u-7", "jwt", "/v1/customers")
        ]

    @pytest.mark.parametrize(
        "case",
        [
            "expired",
            "no-exp",
            "no-sub",
            "other-audience",
            "other-issuer",
            "other-secret",
            "alg-none",
            "roles-not-a-list",
            "garbage",
        ],
    )
    async def test_a_token_that_cannot_be_trusted_is_refused(self, registry, case):
        _, admin = registry
        now = int(time.time())
        presented = {
            "expired": token({"exp": now - 120}),
            "no-exp": token(drop=("exp",)),
            "no-sub": token(drop=("sub",)),
            "other-audience": token({"aud": "another-suite"}),
            "other-issuer": token({"iss": "someone-else"}),
            "other-secret": token(secret="not-the-issuers-secret-0123456789abcdef"),
            "alg-none": jwt.encode(
                {"sub": "u-1", "iss": "kam-suite", "aud": "kam-suite", "exp": now + 600}, None, "none"
            ),
            "roles-not-a-list": token({"roles": "admin"}),
            "garbage": "not.a.token",
        }[case]
        async with as_caller(admin, Authorization=f"Bearer {presented}") as caller:
            response = await caller.get("/v1/customers")
        assert response.status_code == 401
        assert presented not in response.text

    async def test_without_a_configured_issuer_no_token_is_accepted(self, tiering):
        async with as_caller(tiering, Authorization=f"Bearer {token({'roles': ['admin']})}") as caller:
            assert (await caller.get("/v1/customers/C-1/tier")).status_code == 401


def hs256_by_hand(claims: dict, secret: bytes, *, kid: str) -> str:
    """An HS256 token made without PyJWT, which refuses a public key as an HMAC secret when signing."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    signing_input = (
        f"{part(json.dumps({'alg': 'HS256', 'typ': 'JWT', 'kid': kid}).encode())}.{part(json.dumps(claims).encode())}"
    )
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{part(signature)}"


class JwksServer:
    """The token issuer's key set, served over HTTP on a free port."""

    def __init__(self, document: dict) -> None:
        body = json.dumps(document).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


async def test_tokens_signed_with_the_issuers_rsa_or_ec_key_are_accepted_and_others_refused(database_url):
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = {
        "keys": [
            {**json.loads(RSAAlgorithm.to_jwk(rsa_key.public_key())), "kid": "rsa-1", "alg": "RS256", "use": "sig"},
            {**json.loads(ECAlgorithm.to_jwk(ec_key.public_key())), "kid": "ec-1", "alg": "ES256", "use": "sig"},
        ]
    }
    server = JwksServer(jwks)
    claims = {"sub": "u-9", "iss": "kam-suite", "aud": "kam-suite", "exp": int(time.time()) + 600, "roles": ["viewer"]}
    try:
        settings = RegistrySettings(
            database_url=await database_url("registry"), admin_api_key=TEST_API_KEY, jwt_jwks_url=server.url
        )
        async with running(create_registry(settings), TEST_API_KEY) as admin:

            async def status(presented: str) -> int:
                async with as_caller(admin, Authorization=f"Bearer {presented}") as caller:
                    return (await caller.get("/v1/customers")).status_code

            assert await status(jwt.encode(claims, rsa_key, "RS256", headers={"kid": "rsa-1"})) == 200
            assert await status(jwt.encode(claims, ec_key, "ES256", headers={"kid": "ec-1"})) == 200
            assert await status(jwt.encode(claims, stranger, "RS256", headers={"kid": "rsa-1"})) == 401
            assert await status(jwt.encode(claims, stranger, "RS256", headers={"kid": "unknown"})) == 401
            # The classic confusion: HS256 "signed" with the issuer's public key as the secret. Refused.
            public_pem = rsa_key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
            assert await status(hs256_by_hand(claims, public_pem, kid="rsa-1")) == 401
    finally:
        server.close()


class TestRateLimits:
    async def test_a_caller_beyond_its_burst_gets_a_429_with_retry_after_and_others_go_on(self, database_url):
        settings = RegistrySettings(
            database_url=await database_url("registry"),
            admin_api_key=TEST_API_KEY,
            rate_limit_per_s=0.5,
            rate_limit_burst=3,
        )
        async with running(create_registry(settings), TEST_API_KEY) as admin:
            first, second = await issue(admin, "customers:read"), await issue(admin, "customers:read")
            async with as_caller(admin, **{"X-API-Key": first["key"]}) as caller:
                statuses = [(await caller.get("/v1/customers")).status_code for _ in range(4)]
                refused = await caller.get("/v1/customers")
            async with as_caller(admin, **{"X-API-Key": second["key"]}) as other:
                assert (await other.get("/v1/customers")).status_code == 200
            # The bootstrap key of the operator is not limited.
            assert {(await admin.get("/v1/customers")).status_code for _ in range(10)} == {200}
        assert statuses == [200, 200, 200, 429]
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) in (1, 2)
        assert refused.headers["content-type"] == "application/problem+json"

    async def test_guessing_keys_from_one_address_is_limited_before_any_lookup(self, database_url):
        settings = RegistrySettings(
            database_url=await database_url("registry"),
            admin_api_key=TEST_API_KEY,
            rate_limit_per_s=0.5,
            rate_limit_burst=2,
        )
        async with running(create_registry(settings), TEST_API_KEY) as admin:
            async with as_caller(admin, **{"X-API-Key": "guess"}) as guesser:
                statuses = [(await guesser.get("/v1/customers")).status_code for _ in range(4)]
            refusals = (await admin.get("/v1/admin/audit", params={"outcome": "unauthorized"})).json()["items"]
        assert statuses == [401, 401, 429, 429]
        assert len(refusals) == 2


class TestAuditTrail:
    async def test_changes_and_refusals_are_recorded_with_who_what_and_from_where(self, registry):
        _, admin = registry
        reader = await issue(admin, "customers:read", name="reader")
        created = (await admin.post("/v1/customers", json=CUSTOMER, headers={"User-Agent": "crm/1.0"})).json()
        async with as_caller(admin, **{"X-API-Key": reader["key"]}) as caller:
            await caller.patch(f"/v1/customers/{created['id']}", json={"short_name": "x"})
        async with as_caller(admin, **{"X-API-Key": "wrong"}) as stranger:
            await stranger.get("/v1/customers")
        await admin.get("/v1/customers")  # reads are not changes

        entries = (await admin.get("/v1/admin/audit")).json()["items"]
        summary = [(e["outcome"], e["actor"], e["method"], e["route"], e["status"]) for e in entries]
        assert summary == [
            ("unauthorized", "anonymous", "GET", "/v1/customers", 401),
            ("forbidden", reader["id"], "PATCH", "/v1/customers/{customer_id}", 403),
            ("changed", "admin", "POST", "/v1/customers", 201),
            ("changed", "admin", "POST", "/v1/admin/keys", 201),
        ]
        assert entries[1]["target"] == {"customer_id": created["id"]}
        assert entries[2]["user_agent"] == "crm/1.0" and entries[2]["client"]

    async def test_a_refused_change_leaves_no_change_entry(self, registry):
        _, admin = registry
        assert (await admin.post("/v1/customers", json={**CUSTOMER, "uscc": "91350100M000100Y44"})).status_code == 422
        assert (await admin.get("/v1/admin/audit", params={"outcome": "changed"})).json()["items"] == []

    async def test_entries_cannot_be_changed_or_deleted_in_the_database(self, registry):
        app, admin = registry
        await admin.post("/v1/customers", json=CUSTOMER)
        for statement in ("UPDATE audit_entry SET actor = 'someone else'", "DELETE FROM audit_entry"):
            with pytest.raises(Exception, match="append-only"):
                async with app.state.runtime.engine.begin() as conn:
                    await conn.execute(text(statement))
        assert [row.actor for row in await rows(app, "SELECT actor FROM audit_entry")] == ["admin"]

    async def test_pages_follow_the_cursor_and_bad_parameters_are_refused(self, registry):
        _, admin = registry
        for number in range(3):
            await issue(admin, "customers:read", name=f"k{number}")
        first = (await admin.get("/v1/admin/audit", params={"limit": 2})).json()
        second = (await admin.get("/v1/admin/audit", params={"limit": 2, "cursor": first["next_cursor"]})).json()
        assert len(first["items"]) == 2 and len(second["items"]) == 1 and second["next_cursor"] is None
        assert {e["id"] for e in first["items"]}.isdisjoint(e["id"] for e in second["items"])
        for params, field in [
            ({"limit": 0}, "limit"),
            ({"limit": 201}, "limit"),
            ({"cursor": "bm90LW91cnM"}, "cursor"),
            ({"outcome": "deleted"}, "outcome"),
            ({"since": "2026-12-01T00:00:00"}, "since"),
            ({"since": "2026-12-02T00:00:00Z", "until": "2026-12-01T00:00:00Z"}, "until"),
        ]:
            response = await admin.get("/v1/admin/audit", params=params)
            assert response.status_code == 422, params
            assert field in [error["field"] for error in response.json()["errors"]], params

    async def test_no_key_or_token_reaches_a_log(self, registry, caplog):
        _, admin = registry
        caplog.set_level(logging.DEBUG)
        created = await issue(admin, "customers:read")
        bearer = token({"roles": ["manager"]})
        async with as_caller(admin, **{"X-API-Key": created["key"]}) as caller:
            await caller.post("/v1/customers", json=CUSTOMER)
        async with as_caller(admin, Authorization=f"Bearer {bearer}") as caller:
            await caller.post("/v1/customers", json=CUSTOMER)
        async with as_caller(admin, **{"X-API-Key": created["key"] + "x"}) as caller:
            await caller.get("/v1/customers")
        logged = "\n".join(record.getMessage() + json.dumps(record.__dict__, default=str) for record in caplog.records)
        for secret in (created["key"], bearer, TEST_API_KEY, SECRET):
            assert secret not in logged
