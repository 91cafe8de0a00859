"""Two replicas closing one month at once announce each anomaly once (PostgreSQL: real concurrent transactions).

The runs take a lock on the month, and the upsert keeps the first run's revision even without it."""

import asyncio

import pytest

from kam_shared.db import create_engine, session_factory, transaction
from kam_tiering.anomaly.service import detect_for_close


async def test_two_runs_of_one_month_at_once_announce_each_anomaly_once(app, clock, ledger, announced):
    runtime = app.state.runtime
    if not runtime.database_url.startswith("postgresql"):
        pytest.skip("concurrency needs PostgreSQL: SQLite lets one writer in at a time")
    await ledger("XM01", {f"C-{n}": {"2026-09": 1_000, "2026-10": 100} for n in range(50)})
    # A second engine, as a second replica would have: its own connections, its own pool.
    other = create_engine(runtime.database_url)

    async def run(sessions) -> int:
        async with transaction(sessions) as session:
            return await detect_for_close(
                session, month="2026-10", policy=app.state.policy, outbox=runtime.outbox, clock=clock
            )

    try:
        emitted = await asyncio.gather(run(runtime.sessions), run(session_factory(other)))
    finally:
        await other.dispose()

    assert sorted(emitted) == [0, 50]
    assert len(await announced()) == 50
