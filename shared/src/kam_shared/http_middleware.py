"""ASGI middleware of the HTTP frame: body limits, HEAD wherever GET is, per-route metrics."""

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

from starlette.routing import Match

from kam_shared.errors import problem_response
from kam_shared.observability import Metrics


class BodyLimitMiddleware:
    """413 for bodies over the limit, whether announced by Content-Length or streamed without one; 408 for a body
    that stops arriving (a Content-Length longer than what is sent would otherwise hold the request for good)."""

    def __init__(
        self, app: Any, max_bytes: int, read_timeout_s: float = 30.0, larger: Sequence[tuple[str, int]] = ()
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.read_timeout_s = read_timeout_s
        # (path ending, limit): routes that take files, such as an import, with a limit of their own.
        self.larger = tuple(larger)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        max_bytes = next((limit for end, limit in self.larger if scope["path"].endswith(end)), self.max_bytes)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            await self._too_large(scope, receive, send, max_bytes)
            return
        messages = []
        size = 0
        while True:
            try:
                message = await asyncio.wait_for(receive(), self.read_timeout_s)
            except TimeoutError:
                await self._timed_out(scope, receive, send)
                return
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > max_bytes:
                await self._too_large(scope, receive, send, max_bytes)
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

    async def _timed_out(self, scope: dict, receive: Any, send: Any) -> None:
        detail = f"the request body stopped arriving for {self.read_timeout_s:g} s"
        await _refuse(408, detail, "request-timeout", scope, receive, send)

    async def _too_large(self, scope: dict, receive: Any, send: Any, max_bytes: int) -> None:
        detail = f"request body exceeds {max_bytes} bytes"
        await _refuse(413, detail, "content-too-large", scope, receive, send)


async def _refuse(status: int, detail: str, slug: str, scope: dict, receive: Any, send: Any) -> None:
    """Answers a request whose body is not read to its end, and closes the connection: the rest may still come."""
    response = problem_response(status, detail, slug=slug, headers={"Connection": "close"})
    await response(scope, receive, send)


class HeadMiddleware:
    """HEAD wherever GET is: the request is routed as a GET and answered with its status and headers only.

    FastAPI's routes answer only the methods they declare; Starlette's own (static files) already take HEAD."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: dict) -> None:
            if message["type"] == "http.response.start":
                # The server reads the method from this scope to know that no body follows the Content-Length.
                scope["method"] = "HEAD"
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        # The scope is shared with the middleware outside (metrics) and the server: route as GET, and say HEAD
        # again once the response starts and after it.
        scope["method"] = "GET"
        try:
            await self.app(scope, receive, headers_only)
        finally:
            scope["method"] = "HEAD"


class MetricsMiddleware:
    """Requests and latencies per method, route template and status; `routes` are the app's, to name a route."""

    def __init__(self, app: Any, metrics: Metrics, routes: Callable[[], Sequence[Any]] = list) -> None:
        self.app = app
        self.metrics = metrics
        self.templates = RouteTemplates(routes)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # Where this app is mounted (the all-in-one launcher's /registry, ...), before routing extends it.
        prefix = scope.get("root_path", "")
        status = 500

        async def send_status(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            template = self.templates.of(scope, prefix)
            self.metrics.requests.labels(scope["method"], template, str(status)).inc()
            self.metrics.request_seconds.labels(scope["method"], template).observe(time.perf_counter() - started)


class RouteTemplates:
    """The matched route's path with its parameters named, not valued, so metrics keep one series per route.

    FastAPI (0.16x) routes an included router's requests to the router's own route object, whose path lacks the
    include prefix (/v1), and leaves no route in the scope for plain Starlette routes (/openapi.json, mounts):
    the app's route contexts give the full path of each route."""

    def __init__(self, routes: Callable[[], Sequence[Any]]) -> None:
        self._routes = routes
        self._contexts: list[Any] = []
        self._full_paths: dict[int, str] = {}
        self._seen_routes = -1

    def of(self, scope: dict, prefix: str = "") -> str:
        self._refresh()
        route = scope.get("route")
        template = self._full_path(route) if route is not None else self._match(scope, prefix)
        if template is None:
            return "unmatched"
        return prefix.rstrip("/") + template

    def _refresh(self) -> None:
        routes = self._routes()
        if len(routes) == self._seen_routes:  # routers may be added after the app is built
            return
        self._seen_routes = len(routes)
        try:
            from fastapi.routing import iter_route_contexts
        except ImportError:  # FastAPI before lazily included routers: each route object carries its full path
            self._contexts = list(routes)
            self._full_paths = {}
            return
        self._contexts = list(iter_route_contexts(routes))
        self._full_paths = {}
        for context in self._contexts:
            if isinstance(context.path_format, str):
                self._full_paths.setdefault(id(context.original_route), context.path_format)

    def _full_path(self, route: Any) -> str | None:
        found = self._full_paths.get(id(route))
        if found is not None:
            return found
        template = getattr(route, "path_format", None) or getattr(route, "path", None)
        return template if isinstance(template, str) else None

    def _match(self, scope: dict, prefix: str) -> str | None:
        """Routes that left no trace in the scope: match again, as the router did before a mount extended it."""
        probe = {**scope, "root_path": prefix}
        for context in self._contexts:
            try:
                match, _ = context.matches(probe)
            except Exception:  # a route that cannot judge this scope did not take it either
                continue
            if match is not Match.NONE:
                template = context.path_format
                return template if isinstance(template, str) else None
        return None
