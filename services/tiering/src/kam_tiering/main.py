"""Composition root of the tiering service."""

from pathlib import Path

from fastapi import FastAPI

from kam_shared.cli import serve
from kam_shared.clock import Clock
from kam_shared.http import create_service_app
from kam_shared.messaging.transport import Transport
from kam_shared.runtime import ServiceDefinition, ServiceRuntime
from kam_tiering.anomaly.router import router as anomaly_router
from kam_tiering.billing.router import router as billing_router
from kam_tiering.close.router import router as close_router
from kam_tiering.close.runner import MonthCloser
from kam_tiering.close.scheduler import CloseScheduler
from kam_tiering.config import TieringSettings
from kam_tiering.group.router import router as group_router
from kam_tiering.messaging.subscriptions import subscriptions
from kam_tiering.override.router import router as override_router
from kam_tiering.rfm.router import router as rfm_router
from kam_tiering.tables import messaging, metadata, security
from kam_tiering.tier.policy import load_shipped
from kam_tiering.tier.router import router as tier_router

NAME = "tiering"
MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(
    settings: TieringSettings | None = None, *, transport: Transport | None = None, clock: Clock | None = None
) -> FastAPI:
    settings = settings or TieringSettings()
    policy = load_shipped(settings.policy)
    definition = ServiceDefinition(
        name=NAME,
        metadata=metadata,
        tables=messaging,
        security=security,
        migrations_dir=MIGRATIONS,
        subscriptions=subscriptions(policy),
    )
    runtime = ServiceRuntime(definition, settings, transport=transport, clock=clock)
    app = create_service_app(
        runtime,
        title="KAM Suite tiering",
        description="Billing intake, the revenue ledger, tier classification by versioned policy, anomalies.",
        routers=[billing_router, tier_router, group_router, close_router, anomaly_router, rfm_router, override_router],
    )
    app.state.policy = policy
    app.state.month_closer = MonthCloser(runtime, policy, batch_size=settings.month_close_batch_size)
    if settings.month_close_automatic:
        scheduler = CloseScheduler(
            runtime,
            app.state.month_closer,
            interval_s=settings.month_close_check_interval_s,
            delay_minutes=settings.month_close_delay_minutes,
        )
        app.router.lifespan_context = scheduler.running_beside(app.router.lifespan_context)
    return app


def run() -> None:
    serve(
        description="Run the KAM Suite tiering service on its own.",
        settings_class=TieringSettings,
        create_app=create_app,
    )
