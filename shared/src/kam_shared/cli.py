"""The command line every service shares: serve on a port, apply migrations and exit, or manage API keys."""

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence

from fastapi import FastAPI

from kam_shared.config import ServiceSettings
from kam_shared.observability import configure_logging


def serve(
    *,
    description: str,
    settings_class: type[ServiceSettings],
    create_app: Callable[[ServiceSettings], FastAPI],
    argv: Sequence[str] | None = None,
) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    prog = sys.argv[0].rsplit("/", 1)[-1]
    if argv[:1] in (["keys"], ["outbox"], ["reconcile"]):
        from kam_shared.messaging.ops_cli import ops_parser, run_ops
        from kam_shared.security.cli import keys_parser, run_keys

        if argv[0] == "keys":
            command_args, run = keys_parser(prog).parse_args(argv[1:]), run_keys
        else:
            command_args, run = ops_parser(prog, argv[0]).parse_args(argv[1:]), run_ops
        settings = settings_class()
        configure_logging(settings.log_level, repeat_interval=settings.log_repeat_interval_s)
        sys.exit(run(create_app(settings), command_args))
    parser = argparse.ArgumentParser(
        description=description,
        epilog="other commands: keys create|list|revoke (API keys), outbox replay --since T, "
        "reconcile --producer URL (each with --help)",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=None, help="default: the service's own port setting")
    parser.add_argument("--migrate-only", action="store_true", help="upgrade the database schema to head and exit")
    args = parser.parse_args(argv)
    settings = settings_class()
    configure_logging(settings.log_level, repeat_interval=settings.log_repeat_interval_s)
    app = create_app(settings)
    if args.migrate_only:
        asyncio.run(_migrate(app))
        return
    import uvicorn

    uvicorn.run(app, host=args.host, port=args.port or settings.port, log_config=None)


async def _migrate(app: FastAPI) -> None:
    runtime = app.state.runtime
    try:
        await runtime.migrate()
    finally:
        await runtime.engine.dispose()
