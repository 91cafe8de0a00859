"""A customer master import of N customers with one account each, in-process (the registry app over ASGI), on
SQLite or PostgreSQL: the dry run, the real run, and the same file again (nothing changes). The baseline in the
same run is the floor of the write itself: the same customers, accounts and outbox rows inserted with
SQLAlchemy Core in batches of 500, with no checks.

    .venv/bin/python bench/imports.py [--customers 50000] [--database-url postgresql+asyncpg://postgres@127.0.0.1/postgres]
"""

import argparse
import asyncio
import csv
import io
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, insert, select

from kam_registry.config import RegistrySettings
from kam_registry.customer.models import Customer
from kam_registry.customer.uscc import check_character
from kam_registry.main import create_app
from kam_registry.tables import messaging

KEY = "bench-key-0123456789abcdef"
# About the size of a customer.registered record.
PAYLOAD = b"x" * 600


def uscc(n: int) -> str:
    first17 = f"9135020{n:010d}"
    return first17 + check_character(first17)


def csv_file(count: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["客户编号", "客户名称", "统一社会信用代码", "所属分公司", "区县", "账号"])
    for n in range(count):
        writer.writerow([f"E-{n}", f"测试物流{n}号有限公司", uscc(n), f"B{n % 40:02d}", "思明区", f"AC-{n:07d}"])
    return out.getvalue().encode()


async def fresh_database(url: str | None, directory: Path, name: str) -> str:
    if url is None:
        return f"sqlite+aiosqlite:///{directory / name}.db"
    import asyncpg

    database = f"kam_bench_import_{name}"
    admin = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{database}"')
    await admin.close()
    return url.rsplit("/", 1)[0] + f"/{database}"


async def timed_import(client: httpx.AsyncClient, app, data: bytes, **params) -> tuple[float, dict]:
    started = time.perf_counter()
    response = await client.post("/v1/imports", content=data, headers={"Content-Type": "text/csv"}, params=params)
    assert response.status_code == 202, response.text
    await app.state.imports.wait()
    result = (await client.get(response.headers["Location"])).json()
    return time.perf_counter() - started, result


async def unsent(app) -> int:
    async with app.state.runtime.engine.connect() as conn:
        return (await conn.execute(select(func.count()).where(messaging.outbox.c.sent_at.is_(None)))).scalar_one()


async def drained(app) -> float:
    """Seconds until the relay has published every event of the outbox."""
    started = time.perf_counter()
    while True:
        if not await unsent(app):
            return time.perf_counter() - started
        await asyncio.sleep(0.2)


async def baseline(url: str, count: int) -> float:
    """The same rows written with Core in batches, no checks: what any import must at least pay."""
    app = create_app(RegistrySettings(database_url=url, admin_api_key=KEY))
    await app.state.runtime.migrate()
    engine = app.state.runtime.engine
    now = datetime.now(UTC)
    started = time.perf_counter()
    for first in range(0, count, 500):
        customers, accounts, outbox = [], [], []
        for n in range(first, min(first + 500, count)):
            customer_id = str(uuid.uuid4())
            customers.append(
                {
                    "id": customer_id,
                    "full_name": f"测试物流{n}号有限公司",
                    "normalized_name": f"测试物流{n}号有限公司",
                    "uscc": uscc(n),
                    "branch": f"B{n % 40:02d}",
                    "county": "思明区",
                    "contacts": [],
                    "important": False,
                    "potential": False,
                    "version": 1,
                    "tier": "standard",
                    "tier_sequence": 0,
                    "created_at": now,
                    "updated_at": now,
                }  # fmt: skip
            )
            accounts.append({"account_no": f"AC-{n:07d}", "customer_id": customer_id, "effective_from": now.date(),
                             "linked_at": now})  # fmt: skip
            for kind in ("customer.registered", "billing_account.linked"):
                outbox.append({"event_id": str(uuid.uuid4()), "topic": "kam.registry",
                               "message_key": customer_id.encode(), "event_type": kind, "payload": PAYLOAD,
                               "headers": {}, "created_at": now})  # fmt: skip
        async with engine.begin() as conn:
            await conn.execute(insert(Customer.__table__), customers)
            await conn.execute(insert(Customer.metadata.tables["billing_account"]), accounts)
            await conn.execute(insert(Customer.metadata.tables["billing_account_link"]), accounts)
            await conn.execute(insert(messaging.outbox), outbox)
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    data = csv_file(args.customers)
    with tempfile.TemporaryDirectory() as directory:
        url = await fresh_database(args.database_url, Path(directory), "import")
        app = create_app(RegistrySettings(database_url=url, admin_api_key=KEY, rate_limit_per_s=10_000))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers={"X-API-Key": KEY}) as c:
                # The registry knows the branches (a staff member of each), as a registry in use does.
                for n in range(40):
                    await c.post("/v1/staff", json={"name": f"KAM {n}", "org_unit": f"B{n:02d}", "level": 1})
                dry, dry_result = await timed_import(c, app, data, dry_run="true")
                real, real_result = await timed_import(c, app, data)
                backlog = await unsent(app)
                drain = await drained(app)
                again, again_result = await timed_import(c, app, data)
        base = await baseline(await fresh_database(args.database_url, Path(directory), "baseline"), args.customers)
    kind = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{args.customers} customers with one account each, {kind}, {len(data) / 1e6:.1f} MB of CSV")
    dry_created, rejected = dry_result["customers_created"], dry_result["rows_rejected"]
    created, accounts = real_result["customers_created"], real_result["accounts_linked"]
    print(f"  dry run      {dry:7.1f} s  created {dry_created}, rejected {rejected}")
    print(f"  real run     {real:7.1f} s  created {created}, accounts {accounts}")
    print(f"  outbox       {drain:7.1f} s  to publish the {backlog} events still unsent when the real run ended")
    print(f"  again        {again:7.1f} s  unchanged {again_result['customers_unchanged']}")
    print(f"  baseline     {base:7.1f} s  (Core inserts, no checks)   real run / baseline = {real / base:.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
