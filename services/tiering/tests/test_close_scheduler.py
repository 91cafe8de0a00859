"""The automatic close: each month shortly after it ends in Asia/Shanghai, once, catching up on missed months."""

from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kam_shared.testing import eventually, running
from kam_tiering.close.scheduler import CloseScheduler
from kam_tiering.config import TieringSettings
from kam_tiering.main import create_app

from .conftest import API_KEY  # noqa: TID252

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def automatic(app) -> AsyncIterator[CloseScheduler]:
    scheduler = CloseScheduler(app.state.runtime, app.state.month_closer, interval_s=60, delay_minutes=30)
    yield scheduler
    await scheduler.stand_down()


async def test_the_previous_month_is_closed_once_the_delay_after_its_end_has_passed(automatic, client, clock):
    clock.set(datetime(2026, 12, 1, 0, 29, tzinfo=SHANGHAI))
    assert await automatic.run_once() == ["2026-10"]
    clock.set(datetime(2026, 12, 1, 0, 30, tzinfo=SHANGHAI))
    assert await automatic.run_once() == ["2026-11"]
    assert await automatic.run_once() == []

    months = (await client.get("/v1/months")).json()
    assert [(month["month"], month["runs"]) for month in months] == [("2026-11", 1), ("2026-10", 1)]


async def test_months_missed_while_no_replica_ran_are_closed_in_order(automatic, clock):
    clock.set(datetime(2026, 9, 2, tzinfo=SHANGHAI))
    assert await automatic.run_once() == ["2026-08"]

    clock.set(datetime(2026, 12, 2, tzinfo=SHANGHAI))

    assert await automatic.run_once() == ["2026-09", "2026-10", "2026-11"]


async def test_a_running_service_closes_the_month_that_has_ended_on_its_own(database_url, clock):
    settings = TieringSettings(
        database_url=await database_url("tiering"), admin_api_key=API_KEY, month_close_check_interval_s=0.05
    )

    async with running(create_app(settings, clock=clock), API_KEY) as client:

        async def closed() -> list[str] | None:
            months = [month["month"] for month in (await client.get("/v1/months")).json()]
            return months or None

        # The fixed clock stands on 20 November 2026: October has ended.
        assert await eventually(closed, timeout=10, what="the automatic close") == ["2026-10"]


async def test_of_two_replicas_only_the_one_holding_the_lease_closes(app, automatic, clock):
    if app.state.runtime.engine.dialect.name != "postgresql":
        pytest.skip("the scheduler's lease is a PostgreSQL advisory lock (KAM_TEST_DATABASE_URL)")
    other = CloseScheduler(app.state.runtime, app.state.month_closer, interval_s=60, delay_minutes=30)
    assert await automatic.run_once() == ["2026-10"]
    clock.set(datetime(2026, 12, 2, tzinfo=SHANGHAI))

    assert await other.run_once() == []
    await automatic.stand_down()
    assert await other.run_once() == ["2026-11"]
    await other.stand_down()
