"""A month close, manual or automatic, first or again, also ends expired overrides, finds the month's anomalies
and scores RFM; an override in force holds the tier through a close.

Figures are hand-computed; billing is posted per customer (no accounts), all in branch XM01, all below the VIP bound
(standard tier, owner "outlet_and_care_team") unless told otherwise."""

from datetime import timedelta

import pytest

from kam_shared.events.catalog import AnomalyDetected, AnomalyWithdrawn, TierChanged
from kam_tiering.close.scheduler import CloseScheduler

from .conftest import registered, yuan  # noqa: TID252
from .test_month_close import at, bill, changes, close  # noqa: TID252

OVERRIDE = "/v1/customers/{}/tier-override"


async def customers(bus, *ids: str) -> None:
    await bus.publish(*(registered(customer_id) for customer_id in ids))
    await bus.settled()


async def october_and_november(bus, post_billing) -> None:
    """C-1 falls 60 % (sharp drop), C-2 bills nothing in November (dormant), C-3 falls exactly 50 % (no anomaly)."""
    await customers(bus, "C-1", "C-2", "C-3")
    await post_billing(
        bill("B-1", "C-1", "1,000.00", "2026-10-15"),
        bill("B-2", "C-1", "400.00", "2026-11-15"),
        bill("B-3", "C-2", "500.00", "2026-10-15"),
        bill("B-4", "C-3", "1,000.00", "2026-10-15"),
        bill("B-5", "C-3", "500.00", "2026-11-15"),
    )


async def anomalies(client, month: str) -> dict[tuple[str, str], dict]:
    response = await client.get("/v1/anomalies", params={"month": month})
    assert response.status_code == 200, response.text
    return {(item["customer_id"], item["kind"]): item for item in response.json()["items"]}


async def rfm(client, month: str) -> dict[str, tuple]:
    response = await client.get("/v1/rfm", params={"month": month})
    assert response.status_code == 200, response.text
    return {
        item["customer_id"]: (
            item["recency_days"],
            item["frequency_days"],
            item["monetary_minor"],
            (item["r_score"], item["f_score"], item["m_score"]),
            item["segment"],
        )
        for item in response.json()["items"]
    }


# Window 2025-12-01 .. 2026-11-30, three customers scored. Recency: C-2 46 days (rank 1), C-1 and C-3 15 days
# (rank 2); frequency: C-2 one day (rank 1), C-1 and C-3 two (rank 2); monetary: C-2 500.00 (rank 1), C-1 1,400.00
# (rank 2), C-3 1,500.00 (rank 3). Score = 1 + 5 * (rank - 1) // 3: rank 1 -> 1, rank 2 -> 2, rank 3 -> 4.
NOVEMBER_RFM = {
    "C-1": (15, 2, yuan("1,400.00"), (2, 2, 2), "hibernating"),
    "C-2": (46, 1, yuan("500.00"), (1, 1, 1), "lost"),
    "C-3": (15, 2, yuan("1,500.00"), (2, 2, 4), "hibernating"),
}


def summary(found: dict[tuple[str, str], dict]) -> dict[tuple[str, str], tuple]:
    return {key: (item["revision"], item["owner_role"], item["figures"]) for key, item in found.items()}


NOVEMBER_ANOMALIES = {
    ("C-1", "sharp_drop"): (
        1,
        "outlet_and_care_team",
        {
            "previous_month": "2026-10",
            "previous_month_minor": yuan("1,000.00"),
            "month_minor": yuan("400.00"),
            "change_percent": "-60.00",
        },
    ),
    ("C-2", "dormant"): (
        1,
        "outlet_and_care_team",
        {"last_billed_month": "2026-10", "last_billed_minor": yuan("500.00"), "zero_months": 1},
    ),
}


class TestAClose:
    async def test_a_close_finds_the_months_anomalies_and_scores_rfm(self, bus, client, clock, post_billing):
        await october_and_november(bus, post_billing)
        clock.set(at("2026-12-01"))

        await close(client, "2026-11")

        assert summary(await anomalies(client, "2026-11")) == NOVEMBER_ANOMALIES
        assert await rfm(client, "2026-11") == NOVEMBER_RFM
        detected = [(event.data.customer_id, event.data.kind) for event in await bus.published(AnomalyDetected.TYPE)]
        assert detected == [("C-1", "sharp_drop"), ("C-2", "dormant")]

    async def test_a_close_run_twice_gives_the_same_anomalies_rfm_and_tiers_and_announces_nothing_new(
        self, bus, client, clock, post_billing, tier_of
    ):
        await october_and_november(bus, post_billing)
        clock.set(at("2026-12-01"))
        await close(client, "2026-11")
        first = (
            await anomalies(client, "2026-11"),
            await rfm(client, "2026-11"),
            [await tier_of(customer_id) for customer_id in ("C-1", "C-2", "C-3")],
        )
        announced = [envelope.id for envelope in await bus.published()]

        clock.set(at("2026-12-01") + timedelta(hours=3))
        again = await close(client, "2026-11")

        assert (
            await anomalies(client, "2026-11"),
            await rfm(client, "2026-11"),
            [await tier_of(customer_id) for customer_id in ("C-1", "C-2", "C-3")],
        ) == first
        assert summary(first[0]) == NOVEMBER_ANOMALIES
        assert [envelope.id for envelope in await bus.published()] == announced
        assert (again["runs"], again["tier_changes"], again["states_changed"]) == (2, 0, 0)

    async def test_the_automatic_close_runs_the_same_steps(self, app, bus, client, clock, post_billing):
        await october_and_november(bus, post_billing)
        scheduler = CloseScheduler(app.state.runtime, app.state.month_closer, interval_s=60, delay_minutes=30)
        try:
            clock.set(at("2026-12-01"))
            assert await scheduler.run_once() == ["2026-11"]
        finally:
            await scheduler.stand_down()

        assert summary(await anomalies(client, "2026-11")) == NOVEMBER_ANOMALIES
        assert await rfm(client, "2026-11") == NOVEMBER_RFM


class TestLateBilling:
    async def test_a_close_again_after_late_billing_withdraws_an_anomaly_it_no_longer_shows_announcing_it_once(
        self, bus, client, clock, post_billing
    ):
        await october_and_november(bus, post_billing)
        clock.set(at("2026-12-01"))
        await close(client, "2026-11")

        # Late November billing of 200.00: C-1's November is 600.00, a 40 % drop, no longer sharp.
        await post_billing(bill("B-6", "C-1", "200.00", "2026-11-28"))
        await close(client, "2026-11")
        await close(client, "2026-11")

        assert list(await anomalies(client, "2026-11")) == [("C-2", "dormant")]
        withdrawn = [envelope.data for envelope in await bus.published(AnomalyWithdrawn.TYPE)]
        assert [(event.customer_id, event.month, event.kind, event.revision) for event in withdrawn] == [
            ("C-1", "2026-11", "sharp_drop", 1)
        ]
        assert (withdrawn[0].branch, withdrawn[0].owner_role) == ("XM01", "outlet_and_care_team")
        assert len(await bus.published(AnomalyDetected.TYPE)) == 2


@pytest.fixture
async def gold_customer(bus, post_billing, tier_of) -> str:
    """600,000.00 billed in 2025-11 only: gold until the close of 2026-11 ages it out of the last 12 months."""
    await customers(bus, "C-1")
    await post_billing(bill("B-1", "C-1", "600,000.00", "2025-11-15"))
    assert (await tier_of("C-1"))["tier"] == "gold"
    return "C-1"


async def hold(client, customer_id: str, tier: str, expires_on: str) -> None:
    body = {"tier": tier, "reason": "tender under way", "expires_on": expires_on}
    response = await client.put(OVERRIDE.format(customer_id), json=body)
    assert response.status_code == 200, response.text


class TestOverridesAtTheClose:
    async def test_an_override_holds_the_tier_through_a_demoting_close_and_its_expiry_announces_the_earned_tier_once(
        self, bus, client, clock, gold_customer, tier_of
    ):
        await hold(client, gold_customer, "gold", "2026-12-31")
        clock.set(at("2026-12-01"))

        record = await close(client, "2026-11")

        tier = await tier_of(gold_customer)
        assert (tier["tier"], tier["reasons"][0]["figures"]["earned_tier"]) == ("gold", "standard")
        assert record["tier_changes"] == 0
        assert await changes(bus, gold_customer) == [("C-1", "standard", "gold"), ("C-1", "gold", "gold")]

        clock.set(at("2027-01-01"))
        await close(client, "2026-12")
        await close(client, "2026-12")

        assert (await tier_of(gold_customer))["tier"] == "standard"
        [*_, expiry] = [envelope.data for envelope in await bus.published(TierChanged.TYPE)]
        assert await changes(bus, gold_customer) == [
            ("C-1", "standard", "gold"),
            ("C-1", "gold", "gold"),
            ("C-1", "gold", "standard"),
        ]
        assert ([reason.rule for reason in expiry.reasons], expiry.revenue_12m_minor) == (["override-expired"], 0)

    async def test_an_override_that_expires_at_the_close_that_demotes_gives_one_tier_change(
        self, bus, client, clock, gold_customer, tier_of
    ):
        await hold(client, gold_customer, "platinum", "2026-11-30")
        clock.set(at("2026-12-01"))

        await close(client, "2026-11")
        await close(client, "2026-11")

        assert (await tier_of(gold_customer))["tier"] == "standard"
        assert await changes(bus, gold_customer) == [
            ("C-1", "standard", "gold"),
            ("C-1", "gold", "platinum"),
            ("C-1", "platinum", "standard"),
        ]
        sequences = [envelope.data.sequence for envelope in await bus.published(TierChanged.TYPE)]
        assert sequences == sorted(set(sequences))
