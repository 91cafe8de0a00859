"""One error shape for every service and status: RFC 9457 problem details (`application/problem+json`).

Services raise subclasses of `DomainError` from their rules; the app frame renders them, FastAPI's own
validation errors and HTTP exceptions alike. A router never catches a domain error to re-raise it as HTTP."""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
# A 422 names what is wrong, never echoes what was sent: a 5,000-event batch must not come back whole.
MAX_FIELD_ERRORS = 50
MAX_REASON_CHARS = 500


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    reason: str


class DomainError(Exception):
    """Base of every error a service's rules raise; the subclass fixes the status and the problem type."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        errors: Sequence[FieldError] = (),
        headers: dict[str, str] | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors) or ([FieldError(field, detail)] if field else [])
        self.headers = headers or {}
        # RFC 9457 extension members: facts a client can act on (the id of the customer a conflict is with).
        self.extensions = extensions or {}


class InvalidInput(DomainError):
    status = 422
    slug = "invalid-input"


class NotFound(DomainError):
    status = 404
    slug = "not-found"


class Conflict(DomainError):
    status = 409
    slug = "conflict"


class PreconditionFailed(DomainError):
    status = 412
    slug = "precondition-failed"


class PreconditionRequired(DomainError):
    status = 428
    slug = "precondition-required"


class Unauthorized(DomainError):
    status = 401
    slug = "unauthorized"


class Forbidden(DomainError):
    status = 403
    slug = "forbidden"


class UnsupportedMediaType(DomainError):
    status = 415
    slug = "unsupported-media-type"


class TooManyRequests(DomainError):
    status = 429
    slug = "too-many-requests"


def problem_type(slug: str) -> str:
    return f"urn:kam:problem:{slug}"


class ProblemFieldError(BaseModel):
    field: str = Field(description="where the problem is: a dotted path into the body, or a parameter's name")
    reason: str


class Problem(BaseModel):
    """RFC 9457 problem details. Some problems add members of their own (say, the id a conflict is with)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["urn:kam:problem:not-found"])
    title: str = Field(examples=["Not Found"])
    status: int = Field(examples=[404])
    detail: str | None = Field(default=None, examples=["customer 3f2c... not found"])
    errors: list[ProblemFieldError] | None = Field(
        default=None, description="for 422: each field and what is wrong with it"
    )


def problem_response(
    status: int,
    detail: str | None,
    *,
    slug: str | None = None,
    errors: Iterable[FieldError] = (),
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        **(extensions or {}),
        "type": problem_type(slug) if slug else "about:blank",
        "title": _title(status),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    listed = list(errors)
    if listed:
        body["errors"] = [
            {"field": error.field, "reason": error.reason[:MAX_REASON_CHARS]} for error in listed[:MAX_FIELD_ERRORS]
        ]
        if len(listed) > MAX_FIELD_ERRORS:
            body["detail"] = f"{detail or 'invalid input'} ({len(listed)} problems, the first {MAX_FIELD_ERRORS} shown)"
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# A field name comes from the input (an unknown key): it is shown cut to this length, never whole.
MAX_FIELD_PART_CHARS = 64
MAX_FIELD_CHARS = 200


def _shown(part: Any) -> str:
    text = str(part)
    return text if len(text) <= MAX_FIELD_PART_CHARS else text[: MAX_FIELD_PART_CHARS - 1] + "…"


def field_path(loc: Sequence[Any]) -> str:
    """`("body", "events", 3, "amount_minor")` → `events.3.amount_minor`; a parameter keeps its own name. Each
    part is cut to MAX_FIELD_PART_CHARS and the path to MAX_FIELD_CHARS: a 1 MB unknown key is not echoed."""
    if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
        loc = loc[1:]
    return dotted(loc) or "body"


def dotted(loc: Sequence[Any]) -> str:
    """A location inside a value as a dotted path, its parts cut as field_path cuts them."""
    path = ".".join(_shown(part) for part in loc)
    return path if len(path) <= MAX_FIELD_CHARS else path[: MAX_FIELD_CHARS - 1] + "…"


def validation_errors(raw: Iterable[dict[str, Any]]) -> list[FieldError]:
    """Pydantic errors as (field, reason), without the offending input. Malformed JSON is the body's fault as a
    whole: FastAPI locates it by a byte offset, which is no field."""
    errors = []
    for error in raw:
        reason = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        if error.get("type") == "json_invalid":
            position = error.get("loc", ("body", None))[-1]
            found = (error.get("ctx") or {}).get("error", reason)
            errors.append(FieldError("body", f"not valid JSON: {found} (at character {position})"))
        else:
            errors.append(FieldError(field_path(error.get("loc", ())), reason))
    return errors


def _unparsable_body(cause: BaseException | None) -> str | None:
    """Why FastAPI could not parse a body it calls JSON ("There was an error parsing the body"), or None when
    the 400 has another cause."""
    if isinstance(cause, UnicodeDecodeError):
        return "JSON text must be UTF-8"
    if isinstance(cause, RecursionError):
        return "JSON nested too deeply"
    if isinstance(cause, ValueError) and "digits" in str(cause):
        return "a number has more digits than a JSON number here may have (4,300)"
    if isinstance(cause, ValueError):
        return "not valid JSON"
    return None


_STATUS_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    408: "request-timeout",
    409: "conflict",
    412: "precondition-failed",
    413: "content-too-large",
    415: "unsupported-media-type",
    422: "invalid-input",
    428: "precondition-required",
    429: "too-many-requests",
    500: "internal-error",
    503: "unavailable",
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        return problem_response(
            exc.status, exc.detail, slug=exc.slug, errors=exc.errors, headers=exc.headers, extensions=exc.extensions
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(
            422, "the request is not valid", slug="invalid-input", errors=validation_errors(exc.errors())
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        unparsable = _unparsable_body(exc.__cause__) if exc.status_code == 400 else None
        if unparsable is not None:
            # FastAPI's "error parsing the body": said like any malformed JSON, a 422 on the body.
            return problem_response(
                422, "the request is not valid", slug="invalid-input", errors=[FieldError("body", unparsable)]
            )
        detail = exc.detail if isinstance(exc.detail, str) else None
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": allowed_methods(request)}
        return problem_response(exc.status_code, detail, slug=_STATUS_SLUGS.get(exc.status_code), headers=headers)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        # The last net under the models' own checks: a value the database refuses as data (SQLSTATE class 22:
        # a character it cannot hold, a number out of range) is the request's fault, not the server's.
        sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate.startswith("22"):
            log.warning(
                "the database refused a value of a request",
                extra={"method": request.method, "path": request.url.path, "sqlstate": sqlstate},
            )
            return problem_response(
                422, f"a value in the request cannot be stored (SQLSTATE {sqlstate})", slug="invalid-input"
            )
        if exc.connection_invalidated or (isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATES)):
            return _unavailable(request, exc)
        return _internal_error(request, exc)

    @app.exception_handler(ConnectionError)
    async def _unreachable(request: Request, exc: ConnectionError) -> JSONResponse:
        # The database server refused or dropped the connection (asyncpg raises these unwrapped at connect).
        return _unavailable(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return _internal_error(request, exc)


def allowed_methods(request: Request) -> str:
    """Every method some route of this path takes (Starlette's 405 names only the first route's), HEAD with GET."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before lazily included routers: the routes are the contexts
        contexts: Iterable[Any] = request.app.router.routes
    else:
        contexts = iter_route_contexts(request.app.router.routes)
    methods: set[str] = set()
    for context in contexts:
        try:
            match, _ = context.matches(dict(request.scope))
        except Exception:  # a route that cannot judge this scope does not take it either
            continue
        if match is not Match.NONE:
            methods |= set(getattr(context, "methods", None) or getattr(context.original_route, "methods", ()) or ())
    if "GET" in methods:
        methods.add("HEAD")  # HeadMiddleware answers HEAD wherever GET is
    return ", ".join(sorted(methods))


# SQLSTATE classes that mean the database cannot serve now, not that the request is wrong: connection exception
# (08), insufficient resources (53, e.g. too many connections), operator intervention (57P: shut down, terminated,
# cannot connect now).
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P")
RETRY_AFTER_UNAVAILABLE_S = 5


def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning(
        "the database is unavailable",
        extra={"method": request.method, "path": request.url.path, "error": repr(exc)[:300]},
    )
    return problem_response(
        503,
        "the database is unavailable; try again shortly",
        slug="unavailable",
        headers={"Retry-After": str(RETRY_AFTER_UNAVAILABLE_S)},
    )


def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=exc, extra={"method": request.method, "path": request.url.path})
    return problem_response(500, "an unexpected error occurred; it has been logged", slug="internal-error")


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can return, all in the problem shape."""
    return {
        status: {
            "model": Problem,
            "description": _title(status),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


__all__ = [
    "PROBLEM_JSON",
    "Conflict",
    "DomainError",
    "FieldError",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "PreconditionFailed",
    "PreconditionRequired",
    "Problem",
    "TooManyRequests",
    "Unauthorized",
    "UnsupportedMediaType",
    "error_responses",
    "install_error_handlers",
    "problem_response",
]
