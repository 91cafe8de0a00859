"""Benchmark: a month close over 10,000 and 100,000 customers with 24 months of revenue each.

The close is set-based (sums in SQL, a batch of customers per transaction), so its time should grow with the
number of customers and no faster: the growth ratio (time at the larger size ÷ time at the smaller one) is
reported against the size ratio, measured in the same run. Two closes are timed at each size: the first, where
every customer's revenue has aged and its state is written and announced, and a close again of the same month,
where nothing changed and nothing is written.

    .venv/bin/python bench/month_close.py [--sizes 10000 100000] [--database-url URL]
"""

import argparse
import asyncio
import json
import random
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert, text

from kam_shared.clock import FixedClock, add_months
from kam_tiering.billing.models import MonthlyRevenue
from kam_tiering.config import TieringSettings
from kam_tiering.customer.models import CustomerProfile
from kam_tiering.main import create_app
from kam_tiering.tier.models import TierState

MONTHS = 24
CLOSED = "2026-10"
NOW = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # noon on 1 November in Shanghai
CHUNK = 10_000
TIERS = ("standard", "vip", "gold", "platinum")


async def fresh_database(base_url: str | None, workdir: Path, name: str) -> str:
    if base_url is None:
        return f"sqlite+aiosqlite:///{workdir / name}.db"
    import asyncpg

    admin = await asyncpg.connect(base_url.replace("postgresql+asyncpg://", "postgresql://"))
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    return base_url.rsplit("/", 1)[0] + f"/{name}"


def rows_for(first: int, last: int, rng: random.Random):
    profiles, months, states = [], [], []
    for index in range(first, last):
        customer_id = f"customer-{index:06d}"
        profiles.append(
            {
                "customer_id": customer_id,
                "branch": f"B{index % 50:02d}",
                "county": f"county-{index % 200:03d}",
                "important": index % 97 == 0,
                "potential": False,
                "agreement_signed_on": date(2024, 1, 1) if index % 10 == 0 else None,
                "agreement_expires_on": None,
                "registered_at": NOW,
                "sequence": 1,
            }
        )
        scale = rng.choice((0, 100_000, 2_000_000, 8_000_000))
        for back in range(MONTHS):
            months.append(
                {
                    "customer_id": customer_id,
                    "month": add_months(CLOSED, -back),
                    "amount_minor": rng.randint(0, scale),
                    "items": 1,
                    "lines": 1,
                    "currency": "CNY",
                }
            )
        states.append(
            {
                "customer_id": customer_id,
                "tier": rng.choice(TIERS),
                "qualified": True,
                "revenue_12m_minor": 0,
                "currency": "CNY",
                "reasons": [],
                "since": NOW,
                "policy_id": "postal-standard",
                "policy_version": 2,
                "sequence": 1,
                "evaluated_at": NOW,
            }
        )
    return profiles, months, states


async def seed(app, customers: int) -> None:
    rng = random.Random(customers)
    sessions = app.state.runtime.sessions
    for first in range(0, customers, CHUNK):
        profiles, months, states = rows_for(first, min(customers, first + CHUNK), rng)
        async with sessions() as session, session.begin():
            await session.execute(insert(CustomerProfile.__table__), profiles)
            await session.execute(insert(MonthlyRevenue.__table__), months)
            await session.execute(insert(TierState.__table__), states)


async def measure(base_url: str | None, workdir: Path, customers: int) -> dict:
    url = await fresh_database(base_url, workdir, f"bench_close_{customers}")
    app = create_app(TieringSettings(database_url=url, month_close_automatic=False), clock=FixedClock(NOW))
    runtime = app.state.runtime
    await runtime.migrate()
    await seed(app, customers)
    if runtime.engine.dialect.name == "postgresql":
        async with runtime.engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
    closer = app.state.month_closer
    started = time.perf_counter()
    first = await closer.close(CLOSED)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    again = await closer.close(CLOSED)
    again_s = time.perf_counter() - started
    async with runtime.engine.connect() as conn:
        events = (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
    await runtime.engine.dispose()
    assert again["states_changed"] == 0, again
    return {
        "customers": customers,
        "monthly_rows": customers * MONTHS,
        "first_close_s": round(first_s, 2),
        "states_written": first["states_changed"],
        "tier_changes": first["tier_changes"],
        "events": events,
        "close_again_s": round(again_s, 2),
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs=2, default=[10_000, 100_000])
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL; SQLite files when omitted")
    args = parser.parse_args()
    small, large = args.sizes
    with tempfile.TemporaryDirectory() as workdir:
        results = [await measure(args.database_url, Path(workdir), size) for size in (small, large)]
    report = {
        "benchmark": "month close",
        "database": "postgresql" if args.database_url else "sqlite",
        "results": results,
        "size_ratio": round(large / small, 1),
        "first_close_growth": round(results[1]["first_close_s"] / results[0]["first_close_s"], 2),
        "close_again_growth": round(results[1]["close_again_s"] / results[0]["close_again_s"], 2),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
