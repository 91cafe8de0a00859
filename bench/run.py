"""The read-path and billing-intake benchmark: starts its own servers, loads data, drives them with wrk and
prints one table of absolute figures, ratios to a bare FastAPI app measured in the same run, and the targets.

    ./kam bench [--seconds 4] [--postgres URL | --no-postgres]
    .venv/bin/python bench/run.py ...

Targets (issue 6): GET by id >= 40 % of bare req/s with p99 <= 3x bare; a list page (50 rows) >= 25 % of bare;
billing REST intake in batches of 500 >= 10,000 events/s on PostgreSQL. wrk: 1 thread, 32 connections."""

import argparse
import os
import platform
import secrets
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402
import targets  # noqa: E402
import wrk  # noqa: E402

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
BATCH = 500
INTAKE_TARGET = 10_000


@dataclass(frozen=True)
class Row:
    setup: str
    route: str
    result: wrk.Result
    baseline: wrk.Result | None
    target: str
    met: bool | None
    rate_unit: str = "req/s"
    rate_factor: int = 1

    @property
    def rate(self) -> float:
        return self.result.requests_per_s * self.rate_factor


def by_id(result: wrk.Result, bare: wrk.Result) -> tuple[str, bool]:
    met = result.requests_per_s >= 0.40 * bare.requests_per_s and result.p99_ms <= 3 * bare.p99_ms
    return ">= 40 %, p99 <= 3x", met


def list_page(result: wrk.Result, bare: wrk.Result) -> tuple[str, bool]:
    return ">= 25 %", result.requests_per_s >= 0.25 * bare.requests_per_s


def no_target(_result: wrk.Result, _bare: wrk.Result) -> tuple[str, None]:
    return "-", None


class Bench:
    def __init__(self, seconds: float, workdir: Path, key: str, bare: str) -> None:
        self.bare = bare
        self.seconds = seconds
        self.workdir = workdir
        self.key = key
        self.rows: list[Row] = []
        self.log = workdir / "servers.log"

    def measure(self, url: str, **kwargs) -> wrk.Result:
        wrk.run(url, seconds=1, **kwargs)  # warm-up: connections, caches, JIT-free but lazy imports
        return wrk.run(url, seconds=self.seconds, **kwargs)

    def reads(self, setup: str, routes: list[tuple[str, str, Callable]]) -> None:
        """Each route right after the bare app, so a ratio compares two runs seconds apart (shared machines drift)."""
        for label, url, rule in routes:
            bare = self.measure(self.bare + "/")
            result = self.measure(url, headers={"X-API-Key": self.key})
            target, met = rule(result, bare)
            self.rows.append(Row(setup, label, result, bare, target, met if result.ok else False))
            print(
                f"  {label}: {result.requests_per_s:,.0f} req/s, p99 {result.p99_ms:.1f} ms"
                f" (bare {bare.requests_per_s:,.0f} req/s, p99 {bare.p99_ms:.1f} ms)",
                file=sys.stderr,
            )

    def run_suite(self) -> None:
        env = {"KAM_DATA_DIR": str(self.workdir / "suite"), "KAM_ADMIN_API_KEY": self.key}
        with targets.uvicorn_process("apps:suite", env, log=self.log) as base:
            clients = {name: self.client(f"{base}/{name}") for name in ("registry", "tiering", "service-desk")}
            customers = load.register_customers(clients["registry"])
            last = customers[-1]["id"]
            load.wait_until(lambda: self.knows(clients["service-desk"], f"/v1/customers/{last}/service-level"), "desk")
            load.wait_until(lambda: self.knows(clients["tiering"], f"/v1/customers/{last}/tier"), "tiering")
            load.post_billing(clients["tiering"], customers)
            load.wait_for_ledger(clients["tiering"], customers)
            tickets = load.open_tickets(clients["service-desk"], customers)
            self.reads("all-in-one, SQLite", self.read_routes(base, customers[0]["id"], tickets[0], suite=True))

    def run_postgres(self, admin_url: str, intake_connections: int) -> None:
        from kam_service_desk.config import ServiceDeskSettings
        from kam_service_desk.main import create_app as create_service_desk
        from kam_tiering.config import TieringSettings
        from kam_tiering.main import create_app as create_tiering

        setup = "single services, PostgreSQL"
        names = ["registry", "tiering", "service-desk"]
        apps = {"registry": "kam_registry.main:create_app", "tiering": "kam_tiering.main:create_app"}
        apps["service-desk"] = "kam_service_desk.main:create_app"
        with targets.postgres_databases(admin_url, names) as urls:
            env = {name: {"DATABASE_URL": urls[name], "KAM_ADMIN_API_KEY": self.key} for name in names}
            with (
                targets.uvicorn_process(apps["registry"], env["registry"], log=self.log) as registry,
                targets.uvicorn_process(apps["tiering"], env["tiering"], log=self.log) as tiering,
                targets.uvicorn_process(apps["service-desk"], env["service-desk"], log=self.log) as desk,
            ):
                clients = {"registry": self.client(registry), "tiering": self.client(tiering)}
                clients["service-desk"] = self.client(desk)
                customers = load.register_customers(clients["registry"])
                load.announce(urls["tiering"], create_tiering, TieringSettings, customers)
                load.announce(urls["service-desk"], create_service_desk, ServiceDeskSettings, customers)
                load.post_billing(clients["tiering"], customers)
                load.wait_for_ledger(clients["tiering"], customers)
                tickets = load.open_tickets(clients["service-desk"], customers)
                bases = {"registry": registry, "tiering": tiering, "service-desk": desk}
                self.reads(setup, self.read_routes(bases, customers[0]["id"], tickets[0], suite=False))
                self.intake(setup, tiering, clients["tiering"], customers, intake_connections)

    def intake(self, setup: str, base: str, client: httpx.Client, customers: list[dict], connections: int) -> None:
        ids = [customer["id"] for customer in customers]
        sample = client.post("/v1/billing-events", json={"events": intake_events("sample", 0, ids)})
        sample.raise_for_status()
        if sample.json()["accepted"] != BATCH:
            raise RuntimeError(f"the intake sample was not accepted whole: {sample.text[:500]}")
        headers = {"X-API-Key": self.key, "Content-Type": "application/json"}
        url = base + "/v1/billing-events"
        wrk.run(url, seconds=1, connections=connections, headers=headers, script=intake_script("warm", ids))
        result = wrk.run(
            url, seconds=self.seconds * 2, connections=connections, headers=headers, script=intake_script("run", ids)
        )
        events = result.requests_per_s * BATCH
        label = f"POST /v1/billing-events, {BATCH} per batch, {connections} clients"
        met = result.ok and events >= INTAKE_TARGET
        self.rows.append(Row(setup, label, result, None, f">= {INTAKE_TARGET:,} events/s", met, "events/s", BATCH))
        print(f"  {label}: {events:,.0f} events/s, p99 {result.p99_ms:.1f} ms", file=sys.stderr)

    def read_routes(self, base: str | dict[str, str], customer: str, ticket: str, *, suite: bool) -> list:
        def at(service: str) -> str:
            return f"{base}/{service}" if suite else base[service]

        return [
            ("GET /registry/v1/customers/{id}", f"{at('registry')}/v1/customers/{customer}", by_id),
            ("GET /tiering/v1/customers/{id}/tier", f"{at('tiering')}/v1/customers/{customer}/tier", by_id),
            ("GET /tiering/v1/customers/{id}/revenue", f"{at('tiering')}/v1/customers/{customer}/revenue", by_id),
            ("GET /service-desk/v1/tickets/{id}", f"{at('service-desk')}/v1/tickets/{ticket}", by_id),
            ("GET /service-desk/v1/tickets?limit=50", f"{at('service-desk')}/v1/tickets?limit=50", list_page),
            ("GET /tiering/readyz", f"{at('tiering')}/readyz", no_target),
        ]

    def client(self, base: str) -> httpx.Client:
        return httpx.Client(base_url=base, headers={"X-API-Key": self.key}, timeout=30)

    @staticmethod
    def knows(client: httpx.Client, path: str) -> bool:
        return client.get(path).status_code == 200


def intake_events(prefix: str, batch: int, customers: list[str]) -> list[dict]:
    return [
        {
            "billing_id": f"{prefix}-{batch}-{index}",
            "customer_id": customers[(batch * BATCH + index) % len(customers)],
            "amount_minor": 1000 + index,
            "currency": "CNY",
            "business_line": "domestic_express",
            "items": 3,
            "posted_on": f"2026-{index % 10 + 1:02d}-15",
        }
        for index in range(BATCH)
    ]


def intake_script(prefix: str, customers: list[str]) -> str:
    """wrk Lua: each request is a new batch of 500 events with billing ids never sent before."""
    listed = ", ".join(f'"{customer}"' for customer in customers)
    return f"""
local n = 0
local customers = {{{listed}}}
wrk.method = "POST"
request = function()
  n = n + 1
  local parts = {{}}
  for j = 0, {BATCH - 1} do
    local customer = customers[(n * {BATCH} + j) % #customers + 1]
    parts[j + 1] = string.format('{{"billing_id":"{prefix}-%d-%d","customer_id":"%s","amount_minor":%d,'
      .. '"currency":"CNY","business_line":"domestic_express","items":3,"posted_on":"2026-%02d-15"}}',
      n, j, customer, 1000 + j, j % 10 + 1)
  end
  return wrk.format(nil, nil, nil, '{{"events":[' .. table.concat(parts, ",") .. ']}}')
end
"""


def table(rows: list[Row]) -> str:
    lines = [
        "| setup | route | rate | p99 | bare just before | rate ÷ bare | p99 ÷ bare | target | met? |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = row.result.requests_per_s / row.baseline.requests_per_s if row.baseline else None
        p99 = row.result.p99_ms / row.baseline.p99_ms if row.baseline else None
        met = "-" if row.met is None else ("yes" if row.met else "**no**")
        failures = f" ({row.result.failures} failed)" if row.result.failures else ""
        bare = f"{row.baseline.requests_per_s:,.0f} req/s, {row.baseline.p99_ms:,.1f} ms" if row.baseline else "-"
        lines.append(
            f"| {row.setup} | {row.route} | {row.rate:,.0f} {row.rate_unit}{failures} | {row.result.p99_ms:,.1f} ms"
            f" | {bare}"
            f" | {'-' if ratio is None else f'{ratio:.0%}'} | {'-' if p99 is None else f'{p99:.1f}x'}"
            f" | {row.target} | {met} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=4, help="wrk duration per route (after a 1 s warm-up)")
    parser.add_argument("--postgres", default=os.environ.get("KAM_BENCH_POSTGRES", DEFAULT_POSTGRES))
    parser.add_argument("--no-postgres", action="store_true", help="only the bare app and the all-in-one suite")
    parser.add_argument("--intake-clients", type=int, default=2, help="concurrent POSTs of billing batches")
    args = parser.parse_args()
    try:
        wrk.require_wrk()
    except wrk.WrkMissing as missing:
        print(missing, file=sys.stderr)
        return 2
    key = secrets.token_urlsafe(16)
    started = datetime.now(UTC)
    with (
        tempfile.TemporaryDirectory(prefix="kam-bench-") as tmp,
        targets.uvicorn_process("apps:bare", {}, ready_path="/", log=Path(tmp) / "servers.log") as bare,
    ):
        bench = Bench(args.seconds, Path(tmp), key, bare)
        print("all-in-one suite on SQLite ...", file=sys.stderr)
        bench.run_suite()
        if args.no_postgres:
            pass
        elif not targets.postgres_reachable(args.postgres):
            print(f"PostgreSQL not reachable at {args.postgres}: skipping its rows (--no-postgres)", file=sys.stderr)
        else:
            print("single services on PostgreSQL ...", file=sys.stderr)
            bench.run_postgres(args.postgres, args.intake_clients)
    print(
        f"KAM Suite benchmark, {started:%Y-%m-%d %H:%M} UTC, {platform.node()}: {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; wrk -t{wrk.THREADS} -c{wrk.CONNECTIONS} -d{args.seconds:g}s "
        f"(intake: -c{args.intake_clients})\n"
    )
    print(table(bench.rows))
    return 0 if all(row.met is not False for row in bench.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
