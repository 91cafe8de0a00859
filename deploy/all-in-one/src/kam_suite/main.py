"""All-in-one: the four services as sub-applications of one process, sharing the in-process bus.

Each service still keeps its own database (one SQLite file each), its own outbox and its own consumers,
so what runs here is what runs distributed, minus the network."""

import argparse
import asyncio
import logging
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from kam_registry.config import RegistrySettings
from kam_registry.main import create_app as create_registry
from kam_reporting.config import ReportingSettings
from kam_reporting.main import create_app as create_reporting
from kam_service_desk.config import ServiceDeskSettings
from kam_service_desk.main import create_app as create_service_desk
from kam_shared.clock import Clock
from kam_shared.errors import install_error_handlers
from kam_shared.http_middleware import HeadMiddleware
from kam_shared.messaging.inprocess import InProcessTransport
from kam_shared.messaging.transport import Transport
from kam_shared.openapi import install_docs
from kam_tiering.config import TieringSettings
from kam_tiering.main import create_app as create_tiering

log = logging.getLogger("kam_suite")

SERVICES = ("registry", "tiering", "service-desk", "reporting")


def create_suite_app(
    data_dir: Path,
    admin_api_key: str,
    *,
    transport: Transport | None = None,
    clock: Clock | None = None,
    demo: bool = False,
) -> FastAPI:
    bus = transport or InProcessTransport()
    # Embedded mode is SQLite and the in-process bus whatever the environment says: DATABASE_URL or
    # KAFKA_BOOTSTRAP_SERVERS meant for one distributed service must not send four services to one database.
    common = {
        "data_dir": data_dir,
        "admin_api_key": admin_api_key,
        "database_url": None,
        "kafka_bootstrap_servers": None,
    }
    apps = {
        "registry": create_registry(RegistrySettings(**common), transport=bus, clock=clock),
        "tiering": create_tiering(TieringSettings(**common), transport=bus, clock=clock),
        "service-desk": create_service_desk(ServiceDeskSettings(**common), transport=bus, clock=clock),
        "reporting": create_reporting(ReportingSettings(**common), transport=bus, clock=clock),
    }

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for service in apps.values():
                await stack.enter_async_context(service.router.lifespan_context(service))
            demo_task = None
            if demo:
                from kam_suite.demo import load_demo

                demo_task = asyncio.create_task(load_demo(app, admin_api_key))
            yield
            if demo_task is not None:
                demo_task.cancel()

    app = FastAPI(
        title="KAM Suite",
        description="Key-account management for carriers, all in one process.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = apps
    install_docs(app)
    # Paths no service takes (outside the four prefixes) get a problem like every other error.
    install_error_handlers(app)
    # The services answer HEAD themselves; this is for the suite's own pages (/, /healthz).
    app.add_middleware(HeadMiddleware)

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> str:
        links = "".join(
            f'<li><a href="/{name}/docs">{name}</a> — <a href="/{name}/readyz">ready?</a></li>' for name in SERVICES
        )
        return (
            "<!doctype html><meta charset=utf-8><title>KAM Suite</title>"
            "<body style='font-family:system-ui;max-width:40rem;margin:3rem auto'>"
            "<h1>KAM Suite</h1><p><a href='/reporting/'>Dashboard</a></p>"
            f"<p>API documentation:</p><ul>{links}</ul></body>"
        )

    for name, service in apps.items():
        app.mount(f"/{name}", service)
    return app


def admin_key_for(data_dir: Path) -> tuple[str, str]:
    """The key from KAM_ADMIN_API_KEY, or one generated once and kept in the data directory."""
    from_env = os.environ.get("KAM_ADMIN_API_KEY")
    if from_env:
        return from_env, "from KAM_ADMIN_API_KEY"
    path = data_dir / "admin-api-key"
    if path.exists():
        return path.read_text().strip(), f"kept in {path}"
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(24)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key, f"generated and kept in {path}"


def run() -> None:
    import uvicorn

    from kam_shared.observability import configure_logging

    parser = argparse.ArgumentParser(description="Run the whole KAM Suite in one process (SQLite, in-process bus).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("KAM_DATA_DIR", "data")))
    parser.add_argument("--demo", action="store_true", help="load a little synthetic data into an empty suite")
    args = parser.parse_args()
    configure_logging(os.environ.get("KAM_LOG_LEVEL", "INFO"))
    key, origin = admin_key_for(args.data_dir)
    base = f"http://{args.host}:{args.port}"
    print(
        f"\nKAM Suite on {base}  (data in {args.data_dir.resolve()})\n"
        f"  health:    curl {base}/registry/healthz\n"
        f"  API docs:  {base}/registry/docs  {base}/tiering/docs  {base}/service-desk/docs  {base}/reporting/docs\n"
        f"  dashboard: {base}/reporting/\n"
        f"  API key ({origin}):\n"
        f"    curl -H 'X-API-Key: {key}' {base}/reporting/v1/reports/tiers\n",
        flush=True,
    )
    app = create_suite_app(args.data_dir, key, demo=args.demo)
    uvicorn.run(app, host=args.host, port=args.port, log_config=None)
