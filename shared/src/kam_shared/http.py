"""The HTTP frame every service shares: lifespan, health, metrics, auth on /v1, body limits, the request transaction."""

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.auth import ApiKeyStore, current_principal
from kam_shared.errors import install_error_handlers, problem_response
from kam_shared.guards import InputGuardMiddleware
from kam_shared.runtime import ServiceRuntime


def runtime_of(request: Request) -> ServiceRuntime:
    return request.app.state.runtime


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request owns the transaction: commit when the endpoint returns, roll back when it raises."""
    runtime = runtime_of(request)
    async with runtime.sessions() as session:
        async with session.begin():
            yield session
        runtime.relay.wake()


# scope="function": the commit happens before the response is sent, so a 201 means the data is stored.
SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]
RuntimeDep = Annotated[ServiceRuntime, Depends(runtime_of)]


health_router = APIRouter(tags=["operations"])


@health_router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@health_router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    checks = await runtime_of(request).readiness()
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503
    )


@health_router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    return Response(generate_latest(runtime_of(request).metrics.registry), media_type=CONTENT_TYPE_LATEST)


class BodyLimitMiddleware:
    """413 for bodies over the limit, whether announced by Content-Length or streamed without one."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        messages = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        replay = iter(messages)

        async def replay_receive() -> dict:
            try:
                return next(replay)
            except StopIteration:
                return await receive()

        await self.app(scope, replay_receive, send)

    async def _too_large(self, scope: dict, receive: Any, send: Any) -> None:
        response = problem_response(
            413,
            f"request body exceeds {self.max_bytes} bytes",
            slug="content-too-large",
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


class MetricsMiddleware:
    def __init__(self, app: Any, runtime: ServiceRuntime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            template = _route_template(scope)
            metrics = self.runtime.metrics
            metrics.requests.labels(scope["method"], template, str(status)).inc()
            metrics.request_seconds.labels(scope["method"], template).observe(time.perf_counter() - started)


def _route_template(scope: dict) -> str:
    """The path with its parameters named, not valued, so metrics keep one series per route."""
    if scope.get("route") is None:
        return "unmatched"
    path = scope["path"]
    for name, value in scope.get("path_params", {}).items():
        path = path.replace(f"/{value}", f"/{{{name}}}", 1)
    return path


def create_service_app(
    runtime: ServiceRuntime, *, title: str, description: str, routers: Sequence[APIRouter], version: str = "0.1.0"
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    app.state.runtime = runtime
    install_error_handlers(app)
    admin_key = runtime.settings.admin_api_key
    app.state.api_keys = ApiKeyStore(admin_key.get_secret_value() if admin_key else None)
    # Added first, so it runs inside the body limit: it reads bodies already bounded.
    app.add_middleware(InputGuardMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=runtime.settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware, runtime=runtime)
    app.include_router(health_router)
    for router in routers:
        app.include_router(router, prefix="/v1", dependencies=[Depends(current_principal)])
    return app
