"""Composition root of the registry service."""

import sys
from pathlib import Path

from fastapi import FastAPI

from kam_registry.archive.router import router as archive_router
from kam_registry.billing_account.router import accounts_router
from kam_registry.billing_account.router import router as billing_account_router
from kam_registry.claim.router import router as claim_router
from kam_registry.config import RegistrySettings
from kam_registry.customer.router import router as customer_router
from kam_registry.group.router import router as group_router
from kam_registry.imports.router import router as import_router
from kam_registry.imports.service import ImportRunner
from kam_registry.manager.router import router as manager_router
from kam_registry.messaging.subscriptions import SUBSCRIPTIONS
from kam_registry.staff.router import router as staff_router
from kam_registry.tables import messaging, metadata, security
from kam_shared.cli import serve
from kam_shared.clock import Clock
from kam_shared.http import create_service_app
from kam_shared.messaging.transport import Transport
from kam_shared.runtime import ServiceDefinition, ServiceRuntime

NAME = "registry"

DEFINITION = ServiceDefinition(
    name=NAME,
    metadata=metadata,
    tables=messaging,
    security=security,
    migrations_dir=Path(__file__).parent / "migrations",
    subscriptions=SUBSCRIPTIONS,
)


def create_app(
    settings: RegistrySettings | None = None, *, transport: Transport | None = None, clock: Clock | None = None
) -> FastAPI:
    settings = settings or RegistrySettings()
    runtime = ServiceRuntime(DEFINITION, settings, transport=transport, clock=clock)
    app = create_service_app(
        runtime,
        title="KAM Suite registry",
        description="Customers and their archives, billing accounts, account managers, claims and contacts.",
        routers=[
            customer_router,
            billing_account_router,
            accounts_router,
            staff_router,
            manager_router,
            claim_router,
            group_router,
            archive_router,
            import_router,
        ],
        larger_bodies=[("/v1/imports", settings.max_import_bytes)],
    )
    runner = ImportRunner(runtime, settings.org_units)
    app.state.imports = runner
    app.router.lifespan_context = runner.running_beside(app.router.lifespan_context)
    return app


def run() -> None:
    if sys.argv[1:2] == ["import"]:
        from kam_registry.imports.cli import main

        sys.exit(main(sys.argv[2:]))
    serve(
        description="Run the KAM Suite registry service on its own.",
        settings_class=RegistrySettings,
        create_app=create_app,
    )
