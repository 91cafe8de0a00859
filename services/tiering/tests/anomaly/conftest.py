"""Anomaly tests write the ledger's monthly totals and the registry's profiles directly: the figures are the input,
and the month close calls detect_for_close as these tests do."""

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import insert

from kam_shared.db import transaction
from kam_shared.events.catalog import AnomalyDetected, AnomalyWithdrawn
from kam_tiering.anomaly.service import detect_for_close
from kam_tiering.billing.models import MonthlyRevenue
from kam_tiering.customer.models import CustomerProfile
from kam_tiering.tier.models import TierState

ONE_LINE = {"items": 1, "lines": 1}


@pytest.fixture
def ledger(app, clock) -> Callable[..., Awaitable[None]]:
    """Registers customers and writes their monthly revenue: ledger(branch, {customer: {month: minor}}, tiers)."""
    sessions = app.state.runtime.sessions

    now = clock.now()

    async def write(branch: str, months: dict[str, dict[str, int]], tiers: dict[str, str] | None = None) -> None:
        async with transaction(sessions) as session:
            await session.execute(
                insert(CustomerProfile.__table__),
                [{"customer_id": customer, "branch": branch, "registered_at": now} for customer in months],
            )
            rows = [
                {"customer_id": customer, "month": month, "amount_minor": amount, "currency": "CNY"} | ONE_LINE
                for customer, amounts in months.items()
                for month, amount in amounts.items()
            ]
            if rows:
                await session.execute(insert(MonthlyRevenue.__table__), rows)
            if tiers:
                await session.execute(
                    insert(TierState.__table__),
                    [
                        {
                            "customer_id": customer,
                            "tier": tier,
                            "qualified": tier != "standard",
                            "revenue_12m_minor": 0,
                            "currency": "CNY",
                            "reasons": [],
                            "since": now,
                            "policy_id": "postal-standard",
                            "policy_version": 1,
                            "sequence": 1,
                            "evaluated_at": now,
                        }
                        for customer, tier in tiers.items()
                    ],
                )

    return write


@pytest.fixture
def detect(app, clock) -> Callable[[str], Awaitable[int]]:
    runtime = app.state.runtime

    async def run(month: str) -> int:
        async with transaction(runtime.sessions) as session:
            return await detect_for_close(
                session, month=month, policy=app.state.policy, outbox=runtime.outbox, clock=clock
            )

    return run


@pytest.fixture
def found(client) -> Callable[..., Awaitable[dict[tuple[str, str], dict]]]:
    """The month's anomalies as GET /v1/anomalies lists them, by (customer, kind)."""

    async def listed(month: str, **query) -> dict[tuple[str, str], dict]:
        response = await client.get("/v1/anomalies", params={"month": month, **query})
        assert response.status_code == 200, response.text
        return {(item["customer_id"], item["kind"]): item for item in response.json()["items"]}

    return listed


@pytest.fixture
def announced(bus) -> Callable[[], Awaitable[list[AnomalyDetected]]]:
    async def events() -> list[AnomalyDetected]:
        return [envelope.data for envelope in await bus.published(AnomalyDetected.TYPE)]

    return events


@pytest.fixture
def withdrawals(bus) -> Callable[[], Awaitable[list[AnomalyWithdrawn]]]:
    async def events() -> list[AnomalyWithdrawn]:
        return [envelope.data for envelope in await bus.published(AnomalyWithdrawn.TYPE)]

    return events
