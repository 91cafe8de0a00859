"""Schemathesis' stateful phase with two identities: a state machine built from the registry's OpenAPI document
(the links schemathesis infers between operations: POST /customers -> GET /customers/{customer_id} -> PUT .../managers
and so on) runs as user A of branch XM/01. Every request of A that succeeds is replayed as user B of branch XM/02:
on a route naming an object, B must get 404; a create B must not be allowed; a list B reads must hold none of the ids
A was given. Marked `schemathesis`, run with `./kam test -m schemathesis`.

The registry is where a caller creates the objects of a branch; tiering, the service desk and reporting hold what
the registry's events tell them, which a state machine over one service's document cannot produce, so their routes
are covered by the two-identity cases of test_org_unit_scoping.py."""

import os
import re

import pytest

from .conftest import SECRET, token  # noqa: TID252
from .test_openapi_conformance import Server, create_app  # noqa: TID252

pytestmark = pytest.mark.schemathesis

A_UNIT, B_UNIT = "XM/01", "XM/02"
STEPS = int(os.environ.get("KAM_SCHEMATHESIS_STATEFUL_EXAMPLES", "60"))
# Fields of a body that name the unit an object is created in: A names its own, so its creates succeed.
UNIT_FIELDS = ("branch", "org_unit", "unit")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def bearer(sub: str, unit: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token({'sub': sub, 'roles': ['manager'], 'org_unit': unit, 'exp': 2**31 - 1})}"}


def test_what_a_branch_creates_in_the_registry_stays_out_of_another_branchs_reach(tmp_path):
    import hypothesis
    import requests
    import schemathesis
    from schemathesis.checks import not_a_server_error

    app = create_app("registry", database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", jwt_secret=SECRET)
    as_a, as_b = bearer("user-a", A_UNIT), bearer("user-b", B_UNIT)
    created: set[str] = set()
    replayed: list[str] = []
    with Server(app) as base_url:
        schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")

        class TwoBranches(schema.as_state_machine()):
            def before_call(self, case) -> None:
                # Generated credentials would only test authentication, which the conformance pass does.
                case.headers = {
                    name: value
                    for name, value in (case.headers or {}).items()
                    if name.lower() not in ("authorization", "x-api-key")
                }
                if isinstance(case.body, dict):
                    for field in UNIT_FIELDS:
                        if field in case.body:
                            case.body[field] = A_UNIT

            def get_call_kwargs(self, case) -> dict:
                return {"base_url": base_url, "headers": as_a}

            def validate_response(self, response, case, additional_checks=(), **kwargs) -> None:
                # Conformance is the stateless pass's business; here: no 5xx, and nothing of A reaches B.
                case.validate_response(response, checks=[not_a_server_error])
                if not 200 <= response.status_code < 300 or case.path.startswith("/v1/admin"):
                    return
                if response.status_code == 201:
                    created.update(UUID.findall(response.text))
                replay = requests.request(
                    case.method,
                    f"{base_url}{case.formatted_path}",
                    params=case.query,
                    json=case.body if isinstance(case.body, (dict, list)) else None,
                    headers={**(case.headers or {}), **as_b, "If-Match": "*"},
                    timeout=30,
                )
                replayed.append(f"{case.method} {case.path}")
                where = f"B replaying A's {case.method} {case.formatted_path} got {replay.status_code}: {replay.text}"
                if case.path_parameters:
                    assert replay.status_code == 404, where
                elif case.method != "GET":
                    assert not 200 <= replay.status_code < 300, where
                else:
                    leaked = created & set(UUID.findall(replay.text))
                    assert not leaked, f"{where} (ids of A: {sorted(leaked)})"

        TwoBranches.run(
            settings=hypothesis.settings(
                max_examples=STEPS,
                stateful_step_count=8,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(hypothesis.HealthCheck),
            ),
        )
    # The run proves something only if A made objects and B was asked about them.
    assert created, "user A created nothing"
    assert any("{" in call for call in replayed), "no object route was replayed as B"
