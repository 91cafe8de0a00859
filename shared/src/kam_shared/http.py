"""The HTTP frame every service shares: lifespan, health, metrics, auth on /v1, body limits, JSON only, CORS,
HEAD wherever GET is, offline API documentation and the request transaction."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.auth import Security, current_principal, declared_scopes
from kam_shared.errors import UnsupportedMediaType, install_error_handlers
from kam_shared.http_middleware import BodyLimitMiddleware, HeadMiddleware, MetricsMiddleware, RouteTemplates
from kam_shared.openapi import install_docs, install_openapi
from kam_shared.reads import Reads
from kam_shared.runtime import ServiceRuntime
from kam_shared.security.audit import AuditLog
from kam_shared.security.idempotency import IdempotencyMiddleware, IdempotencyStore
from kam_shared.security.keys import KeyStore
from kam_shared.security.limits import RateLimiter
from kam_shared.security.router import router as admin_router
from kam_shared.security.scoping import guarded_parameter
from kam_shared.security.tokens import TokenVerifier

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# Dependencies are `async def`: FastAPI runs a plain `def` one in the thread pool, a hop on every request.
async def runtime_of(request: Request) -> ServiceRuntime:
    return request.app.state.runtime


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request owns the transaction: commit when the endpoint returns, roll back when it raises."""
    runtime: ServiceRuntime = request.app.state.runtime
    async with runtime.sessions() as session:
        async with session.begin():
            yield session
            if request.method not in _SAFE_METHODS:
                # The change and its audit entry commit together.
                principal = getattr(request.state, "principal", None)
                await request.app.state.security.audit.record_change(session, request, principal)
                request.state.audited = True
        runtime.relay.wake()


async def read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """For routes that only read: no write transaction (SQLite's write lock), no commit, no relay wake-up.

    Anything written through it is not kept on SQLite; a route that writes takes SessionDep."""
    runtime: ServiceRuntime = request.app.state.runtime
    async with runtime.read_sessions() as session:
        yield session


# scope="function": the commit happens before the response is sent, so a 201 means the data is stored.
SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]
# scope="function": the connection goes back to the pool before the response is sent.
ReadSessionDep = Annotated[AsyncSession, Depends(read_session, scope="function")]
RuntimeDep = Annotated[ServiceRuntime, Depends(runtime_of)]


async def reads_of(request: Request) -> Reads:
    return request.app.state.runtime.reads


# Lookups and pages on the driver itself (kam_shared.reads): the hot read routes.
ReadsDep = Annotated[Reads, Depends(reads_of)]


health_router = APIRouter(tags=["operations"])


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    checks: dict[str, str] = Field(description="each dependency (database, bus) and `ok` or what is wrong")


@health_router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@health_router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"description": "a dependency is not ready; `checks` says which", "model": Readiness}},
)
async def readyz(request: Request) -> JSONResponse:
    checks = await request.app.state.runtime.readiness()
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503
    )


@health_router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)


def _is_json(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


async def require_json_body(request: Request) -> None:
    """415 when a route that takes JSON is sent something else (or a body without a content type)."""
    route = request.scope.get("route")
    if getattr(route, "body_field", None) is None or _is_json(request.headers.get("content-type")):
        return
    if "content-type" not in request.headers and not await request.body():
        return  # no body at all: the route's own validation says what is missing
    # RFC 9110 15.5.16: say what is accepted (Accept-Post, RFC 5789's Accept-Patch; PUT has no such header).
    advertise = {"POST": "Accept-Post", "PATCH": "Accept-Patch"}.get(request.method)
    raise UnsupportedMediaType(
        "this route takes application/json", headers={advertise: "application/json"} if advertise else None
    )


def create_service_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    version: str = "0.1.0",
    larger_bodies: Sequence[tuple[str, int]] = (),
) -> FastAPI:
    """The service's app. `larger_bodies`: (path ending, byte limit) of routes that take files."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    settings = runtime.settings
    app = FastAPI(
        title=title, description=description, version=version, lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    install_openapi(app)
    install_docs(app)
    app.state.security = _security(runtime)
    app.state.route_templates = RouteTemplates(lambda: app.routes)
    app.state.idempotency = IdempotencyStore(runtime.engine, runtime.definition.security, runtime.clock)
    # add_middleware wraps what is there: the last added runs first. Metrics see every answer, HEAD included.
    # Idempotency runs inside the body limit, so it only ever reads a body the limit let through.
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        read_timeout_s=settings.body_read_timeout_s,
        larger=larger_bodies,
    )
    add_cors(app, settings.cors_origins)
    app.add_middleware(HeadMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=runtime.metrics, routes=lambda: app.routes)
    app.include_router(health_router)
    for router in [*routers, admin_router]:
        app.include_router(router, prefix="/v1", dependencies=[Depends(current_principal), Depends(require_json_body)])
    _check_every_route_declares_scopes(app)
    _check_every_object_route_is_scoped(app)
    return app


def _security(runtime: ServiceRuntime) -> Security:
    settings = runtime.settings
    tables = runtime.definition.security
    if tables is None:
        raise ValueError(f"{runtime.name}: the service definition names no security tables (define_security_tables)")
    bootstrap = settings.admin_api_key
    secret = settings.jwt_secret
    return Security(
        keys=KeyStore(
            runtime.engine,
            tables,
            bootstrap_key=bootstrap.get_secret_value() if bootstrap else None,
            cache_s=settings.api_key_cache_s,
        ),
        tokens=TokenVerifier(
            secret=secret.get_secret_value() if secret else None,
            jwks_url=settings.jwt_jwks_url,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        ),
        limiter=RateLimiter(rate=settings.rate_limit_per_s, burst=settings.rate_limit_burst),
        audit=AuditLog(runtime.engine, tables, runtime.clock),
    )


def _check_every_route_declares_scopes(app: FastAPI) -> None:
    """No /v1 route is served without saying which scopes it needs (an oversight would open it to every key)."""
    from fastapi.routing import iter_route_contexts

    for context in iter_route_contexts(app.routes):
        path = context.path_format
        if not isinstance(path, str) or not path.startswith("/v1/"):
            continue
        if not any(declared_scopes(dependency.dependency) for dependency in getattr(context, "dependencies", ())):
            raise RuntimeError(f"route {path} declares no scopes: give its router dependencies=[requires(...)]")


def _check_every_object_route_is_scoped(app: FastAPI) -> None:
    """No /v1 route names an object in its path without checking the object is in the caller's org unit
    (kam_shared.security.scoping.owned_by), but the carrier-wide ones: every method of the route needs `admin`."""
    import re

    from fastapi.routing import iter_route_contexts

    for context in iter_route_contexts(app.routes):
        path = context.path_format
        if not isinstance(path, str) or not path.startswith("/v1/"):
            continue
        dependencies = [dependency.dependency for dependency in getattr(context, "dependencies", ())]
        dependencies += [dependant.call for dependant in context.dependant.dependencies]
        guarded = {guarded_parameter(dependency) for dependency in dependencies if dependency is not None}
        scopes = [declared_scopes(dependency) for dependency in dependencies if declared_scopes(dependency)]
        reads = (context.methods or set()) <= _SAFE_METHODS
        admin_only = any(set(scope[0] if reads else scope[1]) == {"admin"} for scope in scopes)
        for parameter in re.findall(r"{(\w+)(?::\w+)?}", path):
            if parameter not in guarded and not admin_only:
                raise RuntimeError(
                    f"route {path} names {parameter} without checking its org unit: give it owned_by({parameter!r})"
                )


def add_cors(app: FastAPI, origins: Sequence[str]) -> None:
    """Browsers on these origins may call the API (off when none is configured)."""
    if not origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(origins),
        allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["X-API-Key", "Content-Type", "If-Match", "If-None-Match", "Idempotency-Key"],
        expose_headers=["ETag", "Location", "Retry-After"],
        max_age=600,
    )
