"""`kam-<service> keys create|list|revoke`: a service's API keys from the command line, on its own database."""

import argparse
import asyncio
import json
import sys

from fastapi import FastAPI

from kam_shared.security import keys
from kam_shared.security.principal import SCOPES


def keys_parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"{prog} keys", description="Manage this service's API keys.")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="issue a key; it is printed once, only its hash is kept")
    create.add_argument("--name", required=True, help="who or what uses the key")
    create.add_argument("--scope", action="append", required=True, choices=SCOPES, help="repeat for several")
    create.add_argument("--org-unit", default=None, help="limit the key to this org unit")
    commands.add_parser("list", help="every key, revoked ones included (never the keys themselves)")
    revoke = commands.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    return parser


def run_keys(app: FastAPI, args: argparse.Namespace) -> int:
    return asyncio.run(_run(app, args))


async def _run(app: FastAPI, args: argparse.Namespace) -> int:
    runtime = app.state.runtime
    tables = runtime.definition.security
    try:
        await runtime.migrate()
        async with runtime.engine.begin() as conn:
            if args.command == "create":
                if not args.name.strip() or len(args.name) > 100:
                    print("--name must be 1 to 100 characters", file=sys.stderr)
                    return 2
                record, key = await keys.create_key(
                    conn,
                    tables,
                    name=args.name,
                    scopes=args.scope,
                    org_unit=args.org_unit,
                    by="cli",
                    now=runtime.clock.now(),
                )
                print(f"id:     {record.id}\nscopes: {' '.join(record.scopes)}\nkey:    {key}")
                print("The key is shown this once; keep it in a secret store.", file=sys.stderr)
            elif args.command == "list":
                for record in await keys.list_keys(conn, tables):
                    print(
                        json.dumps(
                            {
                                "id": record.id,
                                "name": record.name,
                                "scopes": record.scopes,
                                "org_unit": record.org_unit,
                                "created_at": record.created_at.isoformat(),
                                "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
                            },
                            ensure_ascii=False,
                        )
                    )
            else:
                record = await keys.revoke_key(conn, tables, args.key_id, by="cli", now=runtime.clock.now())
                if record is None:
                    print(f"no key {args.key_id}", file=sys.stderr)
                    return 1
                print(f"revoked {record.id} ({record.name}) at {record.revoked_at.isoformat()}")
    finally:
        await runtime.engine.dispose()
    return 0
