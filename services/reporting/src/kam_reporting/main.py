"""Composition root of the reporting service."""

from pathlib import Path

from fastapi import FastAPI

from kam_reporting.config import ReportingSettings
from kam_reporting.dashboard.router import router as dashboard_router
from kam_reporting.messaging.subscriptions import SUBSCRIPTIONS
from kam_reporting.tables import messaging, metadata, security
from kam_reporting.tier_report.router import router as tier_report_router
from kam_shared.cli import serve
from kam_shared.clock import Clock
from kam_shared.http import create_service_app
from kam_shared.messaging.transport import Transport
from kam_shared.runtime import ServiceDefinition, ServiceRuntime

NAME = "reporting"

DEFINITION = ServiceDefinition(
    name=NAME,
    metadata=metadata,
    tables=messaging,
    security=security,
    migrations_dir=Path(__file__).parent / "migrations",
    subscriptions=SUBSCRIPTIONS,
)


def create_app(
    settings: ReportingSettings | None = None, *, transport: Transport | None = None, clock: Clock | None = None
) -> FastAPI:
    runtime = ServiceRuntime(DEFINITION, settings or ReportingSettings(), transport=transport, clock=clock)
    app = create_service_app(
        runtime,
        title="KAM Suite reporting",
        description="Reports built from the other services' events, as JSON and CSV, and a dashboard.",
        routers=[tier_report_router],
    )
    # The dashboard sits outside /v1: the page itself needs no key, its requests carry the one the user types.
    app.include_router(dashboard_router)
    return app


def run() -> None:
    serve(
        description="Run the KAM Suite reporting service on its own.",
        settings_class=ReportingSettings,
        create_app=create_app,
    )
