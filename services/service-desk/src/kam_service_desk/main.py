"""Composition root of the service desk."""

import argparse
from pathlib import Path

from fastapi import FastAPI

from kam_service_desk.config import ServiceDeskSettings
from kam_service_desk.customer.router import router as customer_router
from kam_service_desk.messaging.subscriptions import SUBSCRIPTION
from kam_service_desk.tables import messaging, metadata
from kam_service_desk.ticket.router import router as ticket_router
from kam_shared.clock import Clock
from kam_shared.http import create_service_app
from kam_shared.messaging.transport import Transport
from kam_shared.runtime import ServiceDefinition, ServiceRuntime

NAME = "service-desk"

DEFINITION = ServiceDefinition(
    name=NAME,
    metadata=metadata,
    tables=messaging,
    migrations_dir=Path(__file__).parent / "migrations",
    subscriptions=(SUBSCRIPTION,),
)


def create_app(
    settings: ServiceDeskSettings | None = None, *, transport: Transport | None = None, clock: Clock | None = None
) -> FastAPI:
    runtime = ServiceRuntime(DEFINITION, settings or ServiceDeskSettings(), transport=transport, clock=clock)
    return create_service_app(
        runtime,
        title="KAM Suite service desk",
        description="Tickets with their service-level targets and timelines, escalation and contact cadence.",
        routers=[ticket_router, customer_router],
    )


def run() -> None:
    import uvicorn

    from kam_shared.observability import configure_logging

    parser = argparse.ArgumentParser(description="Run the KAM Suite service desk on its own.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args()
    settings = ServiceDeskSettings()
    configure_logging(settings.log_level)
    uvicorn.run(create_app(settings), host=args.host, port=args.port or settings.port, log_config=None)
