"""The API documents of the frame: what every route can answer, and the documentation pages, served offline.

The frame adds to each operation the statuses it returns itself, whatever the route does: 401, 403 and 429 on
/v1, 408, 413, 415 where a body is taken, 409 and 422 for an Idempotency-Key on a POST, 422 in the problem shape
(FastAPI's own 422 schema is not what the frame sends)."""

import json
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from kam_shared.errors import PROBLEM_JSON, error_responses

# Swagger UI and ReDoc as the fastapi-offline package ships them: the docs need no CDN, nor any network.
DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"
DOCS_ASSETS_URL = "/docs-assets"

SECURITY_SCHEME = "ApiKey"
BEARER_SCHEME = "Bearer"
_METHODS_WITH_BODIES = ("post", "put", "patch")
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def install_docs(app: FastAPI) -> None:
    """/docs and /redoc with their scripts and styles served by the app itself (the app is built with docs off)."""
    app.mount(DOCS_ASSETS_URL, StaticFiles(directory=DOCS_ASSETS), name="docs-assets")
    oauth2_redirect = "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=f"{root}{oauth2_redirect}",
            swagger_js_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS_URL}/favicon.png",
        )

    @app.get(oauth2_redirect, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{DOCS_ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )


def install_openapi(app: FastAPI, *, api_prefix: str = "/v1") -> None:
    """Builds the document once, on first request, from every route the app has by then (routers added later too)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                openapi_version=app.openapi_version,
            )
            app.openapi_schema = complete(document, api_prefix=api_prefix)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "a retry with the same key and body gets the first answer again (header `Idempotent-Replayed`);"
    " the same key with another body is a 422, while the first request runs a 409 with `Retry-After`",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[\\x21-\\x7e]+$"},
}


def complete(document: dict[str, Any], *, api_prefix: str = "/v1") -> dict[str, Any]:
    """Adds what the frame answers to every operation, the problem schema and the API-key scheme."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(_problem_schemas())
    components["securitySchemes"] = {
        SECURITY_SCHEME: {
            "type": "apiKey",
            "in": "header",
            "name": "X-API-Key",
            "description": "API key issued to a partner or tool (or the bootstrap key); every /v1 route needs one"
            " of the two schemes",
        },
        BEARER_SCHEME: {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "JWT of a frontend user: `sub`, `exp`, `iss` and `aud` required; `roles` and `org_unit`",
        },
    }
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            statuses: list[int] = []
            if path.startswith(api_prefix + "/"):
                operation["security"] = [{SECURITY_SCHEME: []}, {BEARER_SCHEME: []}]
                statuses += [401, 403, 429]
            if method in _METHODS_WITH_BODIES and "requestBody" in operation:
                statuses += [408, 413, 415]
            if method == "post" and path.startswith(api_prefix + "/"):
                operation.setdefault("parameters", []).append(dict(_IDEMPOTENCY_KEY))
                statuses += [409, 422]
            if "422" in responses:
                # FastAPI documents its own validation-error shape; the frame answers with a problem.
                del responses["422"]
                statuses.append(422)
            for status, entry in error_responses(*statuses).items():
                if str(status) not in responses:
                    responses[str(status)] = {
                        "description": entry["description"],
                        "content": {PROBLEM_JSON: {"schema": dict(_PROBLEM_REF)}},
                    }
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    _as_problem(response)
    # FastAPI's validation-error schemas are dead once every 422 is a problem (ValidationError is only theirs).
    if '"#/components/schemas/HTTPValidationError"' not in json.dumps(document.get("paths", {})):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return document


def _as_problem(response: dict[str, Any]) -> None:
    """A problem documented as application/json (FastAPI's default for `model=`) is sent as problem+json."""
    content = response.setdefault("content", {})
    if not content:
        content[PROBLEM_JSON] = {"schema": dict(_PROBLEM_REF)}
        return
    if content.get("application/json", {}).get("schema") == _PROBLEM_REF:
        plain = content.pop("application/json")
        content.setdefault(PROBLEM_JSON, plain)


def _problem_schemas() -> dict[str, Any]:
    from pydantic.json_schema import models_json_schema

    from kam_shared.errors import Problem

    _, top = models_json_schema([(Problem, "serialization")], ref_template="#/components/schemas/{model}")
    return top.get("$defs", {})
