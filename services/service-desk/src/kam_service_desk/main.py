"""Composition root of the service desk."""

from pathlib import Path

from fastapi import FastAPI

from kam_service_desk.config import ServiceDeskSettings
from kam_service_desk.customer.router import router as customer_router
from kam_service_desk.messaging.subscriptions import SUBSCRIPTION
from kam_service_desk.sla import policy
from kam_service_desk.sla.scheduler import SlaScheduler
from kam_service_desk.tables import messaging, metadata, security
from kam_service_desk.ticket.router import router as ticket_router
from kam_shared.cli import serve
from kam_shared.clock import Clock
from kam_shared.http import create_service_app
from kam_shared.messaging.transport import Transport
from kam_shared.runtime import ServiceDefinition, ServiceRuntime

NAME = "service-desk"

DEFINITION = ServiceDefinition(
    name=NAME,
    metadata=metadata,
    tables=messaging,
    security=security,
    migrations_dir=Path(__file__).parent / "migrations",
    subscriptions=(SUBSCRIPTION,),
)


def create_app(
    settings: ServiceDeskSettings | None = None, *, transport: Transport | None = None, clock: Clock | None = None
) -> FastAPI:
    settings = settings or ServiceDeskSettings()
    policy.use(policy.load(calendar_file=settings.calendar_file))
    runtime = ServiceRuntime(DEFINITION, settings, transport=transport, clock=clock)
    app = create_service_app(
        runtime,
        title="KAM Suite service desk",
        description="Tickets with their service-level targets and timelines, escalation and contact cadence.",
        routers=[ticket_router, customer_router],
    )
    app.state.sla_scheduler = SlaScheduler(
        runtime, interval_s=settings.sla_check_interval_s, batch_size=settings.sla_batch_size
    )
    if settings.sla_automatic:
        app.router.lifespan_context = app.state.sla_scheduler.running_beside(app.router.lifespan_context)
    return app


def run() -> None:
    serve(
        description="Run the KAM Suite service desk on its own.",
        settings_class=ServiceDeskSettings,
        create_app=create_app,
    )
