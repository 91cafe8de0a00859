"""`kam-<service> outbox replay --since T` and `kam-<service> reconcile --producer URL` (kam_shared.messaging.ops)."""

import argparse
import asyncio
import sys
from datetime import datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import MetaData

from kam_shared.db import create_engine
from kam_shared.messaging.ops import reconcile, replay_outbox
from kam_shared.messaging.tables import define_messaging_tables


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone: write it like 2026-12-01T00:00:00+08:00")
    return value


def ops_parser(prog: str, command: str) -> argparse.ArgumentParser:
    if command == "outbox":
        parser = argparse.ArgumentParser(prog=f"{prog} outbox", description="Operate on this service's outbox.")
        commands = parser.add_subparsers(dest="command", required=True)
        replay = commands.add_parser(
            "replay", help="publish again the retained rows sent since a time (after a broker lost acknowledged data)"
        )
        replay.add_argument("--since", type=_instant, required=True, help="ISO 8601 instant with its time zone")
        return parser
    parser = argparse.ArgumentParser(
        prog=f"{prog} reconcile",
        description="List the events of a producer's outbox that this service handles and has not applied.",
    )
    parser.add_argument("--producer", action="append", required=True, help="a producing service's database URL")
    parser.add_argument("--since", type=_instant, default=None, help="only rows created at or after this instant")
    parser.add_argument(
        "--grace-s", type=float, default=60, help="rows younger than this may still be in flight (default 60)"
    )
    parser.set_defaults(command="reconcile")
    return parser


def run_ops(app: FastAPI, args: argparse.Namespace) -> int:
    return asyncio.run(_run(app, args))


async def _run(app: FastAPI, args: argparse.Namespace) -> int:
    runtime = app.state.runtime
    definition = runtime.definition
    try:
        await runtime.migrate()
        if args.command == "replay":
            count = await replay_outbox(runtime.engine, definition.tables, since=args.since)
            print(f"{count} rows marked for publishing again; the running service's relay sends them")
            return 0
        status = 0
        producer_tables = define_messaging_tables(MetaData())
        for url in args.producer:
            producer = create_engine(url)
            try:
                results = await reconcile(
                    runtime.engine,
                    definition.tables,
                    definition.subscriptions,
                    producer,
                    producer_tables,
                    sent_before=runtime.clock.now() - timedelta(seconds=args.grace_s),
                    since=args.since,
                )
            finally:
                await producer.dispose()
            shown = producer.url.render_as_string(hide_password=True)
            for result in results:
                print(f"{result.consumer} <- {shown}: {result.checked} events checked, {result.missing} missing")
                for event_type, event_id in result.listed:
                    print(f"  missing {event_type} {event_id}")
                if result.missing:
                    status = 1
        if status:
            hint = "events missing: replay the producer's outbox (kam-<producer> outbox replay --since)"
            print(hint, file=sys.stderr)
        return status
    finally:
        await runtime.engine.dispose()
