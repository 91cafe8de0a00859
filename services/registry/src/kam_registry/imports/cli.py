"""`kam-registry import FILE [--dry-run]`: sends a customer master file to a running registry and follows the
import to its end with a progress bar; the rows it did not take can be saved as CSV.

Exit status: 0 when every row was taken, 1 when some were not (see the problems), 2 when the import failed or
could not be started."""

import argparse
import os
import sys
import time
from pathlib import Path

import httpx

from kam_registry.imports.reading import XLSX_MEDIA_TYPE


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kam-registry import", description=__doc__.split("\n\n")[0])
    p.add_argument("file", type=Path, help="a .csv (UTF-8 or GB18030) or .xlsx file")
    p.add_argument("--dry-run", action="store_true", help="check every row and report, change nothing")
    p.add_argument(
        "--url",
        default=os.environ.get("KAM_REGISTRY_URL", "http://127.0.0.1:8001"),
        help="the registry's base URL (the all-in-one: http://127.0.0.1:8000/registry); env KAM_REGISTRY_URL",
    )
    p.add_argument("--api-key", default=None, help="default: env KAM_API_KEY, else KAM_ADMIN_API_KEY")
    p.add_argument("--encoding", choices=("auto", "utf-8", "gb18030"), default="auto")
    p.add_argument("--map", action="append", default=[], metavar="HEADER:FIELD", help="a column mapping; repeatable")
    p.add_argument("--allow-new-branches", action="store_true")
    p.add_argument("--problems", type=Path, default=None, help="write the rows not taken to this CSV file")
    p.add_argument("--poll", type=float, default=0.5, help="seconds between looks at the import's progress")
    return p


def main(argv: list[str], *, transport: httpx.BaseTransport | None = None, out=sys.stderr) -> int:
    args = parser().parse_args(argv)
    key = args.api_key or os.environ.get("KAM_API_KEY") or os.environ.get("KAM_ADMIN_API_KEY")
    if not key:
        print("an API key is needed: --api-key, or KAM_API_KEY in the environment", file=out)
        return 2
    try:
        data = args.file.read_bytes()
    except OSError as error:
        print(f"cannot read {args.file}: {error.strerror}", file=out)
        return 2
    content_type = XLSX_MEDIA_TYPE if args.file.suffix.lower() in (".xlsx", ".xlsm") else "text/csv"
    params: list[tuple[str, str]] = [("encoding", args.encoding)] + [("map", pair) for pair in args.map]
    if args.dry_run:
        params.append(("dry_run", "true"))
    if args.allow_new_branches:
        params.append(("allow_new_branches", "true"))
    with httpx.Client(
        base_url=args.url.rstrip("/"), headers={"X-API-Key": key}, timeout=120, transport=transport
    ) as client:
        response = client.post("/v1/imports", content=data, params=params, headers={"Content-Type": content_type})
        if response.status_code != 202:
            print(f"the registry refused the import ({response.status_code}): {_detail(response)}", file=out)
            return 2
        location = response.headers["Location"]
        state = response.json()
        while state["state"] in ("queued", "running"):
            _bar(state, out)
            time.sleep(args.poll)
            state = client.get(location).json()
        _bar(state, out)
        print(file=out)
        if args.problems is not None and state["problems_listed"]:
            args.problems.write_bytes(client.get(f"{location}/problems.csv").content)
    verb = "would be" if state["dry_run"] else "were"
    print(
        f"{state['state']}: {state['rows_total']} rows; customers {verb} created {state['customers_created']}, "
        f"updated {state['customers_updated']}, unchanged {state['customers_unchanged']}; "
        f"accounts linked {state['accounts_linked']}; rows not taken {state['rows_rejected']}",
        file=out,
    )
    for problem in state["problems"][:20]:
        print(f"  row {problem['row']}, {problem['column']}: {problem['reason']}", file=out)
    if state["state"] != "done":
        print(f"the import {state['state']}: {state.get('error') or 'see the registry log'}", file=out)
        return 2
    return 1 if state["rows_rejected"] else 0


def _bar(state: dict, out) -> None:
    total = max(state["rows_total"], 1)
    share = min(state["rows_done"] / total, 1.0)
    filled = int(share * 30)
    print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {state['rows_done']}/{state['rows_total']} rows", end="", file=out)


def _detail(response: httpx.Response) -> str:
    try:
        return response.json().get("detail", response.text[:200])
    except ValueError:
        return response.text[:200]
