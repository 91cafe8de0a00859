"""Benchmark: applying billing.posted batches to the ledger, the suite's busiest write path.

Compares the shipped path (SQLAlchemy Core, a handful of statements per batch) with a baseline that does the
same work through ORM objects (one LedgerLine and a get-or-create MonthlyRevenue per event), measured in the
same run on the same database kind. Reports events per second and the ratio; no absolute threshold.

    .venv/bin/python bench/billing_ledger.py [--events 20000] [--batch 500] [--database-url URL]
"""

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import text

from kam_shared.clock import FixedClock, month_key
from kam_shared.db import create_engine, session_factory
from kam_shared.events.catalog import BillingPosted
from kam_shared.events.envelope import Envelope
from kam_shared.messaging.outbox import Outbox
from kam_shared.migrations import upgrade_to_head
from kam_tiering.billing import service as billing
from kam_tiering.billing.models import LedgerLine, MonthlyRevenue
from kam_tiering.customer.models import CustomerProfile
from kam_tiering.main import MIGRATIONS
from kam_tiering.tables import messaging
from kam_tiering.tier import service as tiers
from kam_tiering.tier.policy import load_shipped

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


def make_envelopes(count: int, customers: int, seed: int, prefix: str) -> list[Envelope]:
    rng = random.Random(seed)
    envelopes = []
    for index in range(count):
        month = rng.randint(1, 10)  # all before NOW, 2026-11-20
        event = BillingPosted(
            billing_id=f"{prefix}-{index}",
            customer_id=f"customer-{rng.randrange(customers):05d}",
            amount_minor=rng.randint(100, 5_000_000),
            currency="CNY",
            business_line="parcels",
            items=rng.randint(1, 500),
            posted_on=date(2026, month, rng.randint(1, 28)),
        )
        envelopes.append(Envelope.wrap(event, source="/bench", time=NOW))
    return envelopes


async def apply_core(sessions, envelopes, *, policy, outbox, clock) -> None:
    async with sessions() as session, session.begin():
        await billing.apply_posted(session, envelopes=envelopes, policy=policy, outbox=outbox, clock=clock)


async def apply_orm(sessions, envelopes, *, policy, outbox, clock) -> None:
    """The same effect written the obvious ORM way: an object per line, get-or-create per month total."""
    async with sessions() as session, session.begin():
        touched = set()
        pending: dict[tuple[str, str], MonthlyRevenue] = {}
        for envelope in envelopes:
            event: BillingPosted = envelope.data
            if await session.get(LedgerLine, event.billing_id) is not None:
                continue
            month = month_key(event.posted_on)
            session.add(
                LedgerLine(
                    billing_id=event.billing_id,
                    account_no=event.account_no,
                    customer_id=event.customer_id,
                    amount_minor=event.amount_minor,
                    currency=event.currency,
                    business_line=event.business_line,
                    items=event.items,
                    posted_on=event.posted_on,
                    month=month,
                    counted=True,
                    event_id=envelope.id,
                    recorded_at=NOW,
                )
            )
            key = (event.customer_id, month)
            total = pending.get(key) or await session.get(MonthlyRevenue, key)
            if total is None:
                total = MonthlyRevenue(
                    customer_id=event.customer_id, month=month, amount_minor=0, items=0, lines=0, currency="CNY"
                )
                session.add(total)
            pending[key] = total
            total.amount_minor += event.amount_minor
            total.items += event.items
            total.lines += 1
            touched.add(event.customer_id)
        await session.flush()
        await tiers.reevaluate(session, customers=touched, policy=policy, outbox=outbox, clock=clock)


async def register_customers(sessions, customers: int) -> None:
    """Billing counts only for customers the registry announced: announce them all before the clock starts."""
    async with sessions() as session, session.begin():
        await session.execute(
            CustomerProfile.__table__.insert(),
            [
                {"customer_id": f"customer-{index:05d}", "branch": "XM01", "important": False, "registered_at": NOW}
                for index in range(customers)
            ],
        )


async def run_path(name, apply, url, envelopes, batch, customers) -> float:
    engine = create_engine(url)
    sessions = session_factory(engine)
    await register_customers(sessions, customers)
    clock = FixedClock(NOW)
    policy = load_shipped("postal-standard")
    outbox = Outbox(messaging.outbox, source="/bench", clock=clock)
    started = time.perf_counter()
    for start in range(0, len(envelopes), batch):
        await apply(sessions, envelopes[start : start + batch], policy=policy, outbox=outbox, clock=clock)
    elapsed = time.perf_counter() - started
    async with engine.connect() as conn:
        lines = (await conn.execute(text("SELECT count(*) FROM ledger_line"))).scalar_one()
        # The ORM baseline leaves `counted` at its default; the shipped path must count every line.
        waiting = (await conn.execute(text("SELECT count(*) FROM ledger_line WHERE NOT counted"))).scalar_one()
        await conn.rollback()
    await engine.dispose()
    assert lines == len(envelopes), f"{name}: {lines} ledger lines for {len(envelopes)} events"
    assert name != "core" or waiting == 0, f"{waiting} lines wait: the benchmark must measure billing that counts"
    return len(envelopes) / elapsed


async def fresh_database(base_url: str | None, workdir: Path, name: str) -> str:
    if base_url is None:
        url = f"sqlite+aiosqlite:///{workdir / name}.db"
    else:
        import asyncpg

        admin = await asyncpg.connect(base_url.replace("postgresql+asyncpg://", "postgresql://"))
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        url = base_url.rsplit("/", 1)[0] + f"/{name}"
    await asyncio.to_thread(upgrade_to_head, MIGRATIONS, url)
    return url


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL; SQLite files when omitted")
    args = parser.parse_args()
    results: dict[str, list[float]] = {"core": [], "orm": []}
    with tempfile.TemporaryDirectory() as workdir:
        for round_no in range(args.rounds):
            # Alternate the order so neither path always runs on a warmer machine.
            order = [("core", apply_core), ("orm", apply_orm)]
            if round_no % 2:
                order.reverse()
            for name, apply in order:
                url = await fresh_database(args.database_url, Path(workdir), f"bench_{name}_{round_no}")
                envelopes = make_envelopes(args.events, args.customers, seed=round_no, prefix=name)
                results[name].append(await run_path(name, apply, url, envelopes, args.batch, args.customers))
    core, orm = statistics.median(results["core"]), statistics.median(results["orm"])
    report = {
        "benchmark": "billing.posted applied to the ledger",
        "database": "postgresql" if args.database_url else "sqlite",
        "events": args.events,
        "batch": args.batch,
        "rounds": args.rounds,
        "core_events_per_s": round(core),
        "orm_baseline_events_per_s": round(orm),
        "core_vs_orm": round(core / orm, 2),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
