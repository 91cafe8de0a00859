"""RFM at a month's close: figures from the ledger, 1-5 scores by quintile, named segments (seed 004).

Closing 2026-10 with the default 12-month window looks at 2025-11-01 .. 2026-10-31."""

import pytest

from kam_shared.db import transaction
from kam_tiering.rfm.service import score_for_close

from ..conftest import billing, registered, yuan  # noqa: TID252


@pytest.fixture
def score(app, clock):
    runtime = app.state.runtime

    async def run(month: str) -> int:
        async with transaction(runtime.sessions) as session:
            return await score_for_close(
                session, month=month, policy=app.state.policy, outbox=runtime.outbox, clock=clock
            )

    return run


@pytest.fixture
def bill(bus, post_billing):
    """Registers the customers, then posts each charge: {customer: [(posted_on, yuan), ...]}."""

    async def post(charges: dict[str, list[tuple[str, str]]]) -> None:
        await bus.publish(*(registered(customer) for customer in charges))
        await bus.settled()
        await post_billing(
            *(
                billing(
                    f"{customer}-{n}", customer_id=customer, account_no=None, posted_on=day, amount_minor=yuan(amount)
                )
                for customer, lines in charges.items()
                for n, (day, amount) in enumerate(lines)
            )
        )

    return post


async def scores(client, **query) -> dict[str, dict]:
    response = await client.get("/v1/rfm", params={"limit": 500, **query})
    assert response.status_code == 200, response.text
    return {item["customer_id"]: item for item in response.json()["items"]}


class TestQuintiles:
    async def test_ten_customers_score_two_per_quintile_on_each_figure_and_fall_into_segments(
        self, bill, score, client
    ):
        # C-i bills 100.00 yuan on each of October's first i+1 days: i+1 billing days, (i+1) x 100.00 yuan,
        # last billed on 2026-10-(i+1), so 30 - i days before the 31st.
        await bill({f"C-{i}": [(f"2026-10-{day:02d}", "100.00") for day in range(1, i + 2)] for i in range(10)})

        assert await score("2026-10") == 10

        scored = await scores(client, month="2026-10")
        assert {customer: (item["r_score"], item["f_score"], item["m_score"]) for customer, item in scored.items()} == {
            f"C-{i}": (quintile,) * 3 for i, quintile in enumerate((1, 1, 2, 2, 3, 3, 4, 4, 5, 5))
        }
        assert {customer: item["segment"] for customer, item in scored.items()} == {
            "C-0": "lost",
            "C-1": "lost",
            "C-2": "hibernating",
            "C-3": "hibernating",
            "C-4": "loyal",
            "C-5": "loyal",
            "C-6": "champion",
            "C-7": "champion",
            "C-8": "champion",
            "C-9": "champion",
        }
        c3 = scored["C-3"]
        assert (c3["recency_days"], c3["frequency_days"], c3["monetary_minor"]) == (27, 4, yuan("400.00"))
        assert c3["last_billed_on"] == "2026-10-04"

    async def test_equal_figures_share_the_lower_quintile(self, bill, score, client):
        # Monetary 100, 100, 200, 300, 400: the two at 100 have nobody below them.
        await bill(
            {
                customer: [("2026-10-10", amount)]
                for customer, amount in {
                    "A": "100.00",
                    "B": "100.00",
                    "C": "200.00",
                    "D": "300.00",
                    "E": "400.00",
                }.items()
            }
        )

        await score("2026-10")

        scored = await scores(client)
        assert {customer: item["m_score"] for customer, item in scored.items()} == {
            "A": 1,
            "B": 1,
            "C": 3,
            "D": 4,
            "E": 5,
        }
        # Same day, same number of days: every one ties on recency and frequency.
        assert {(item["r_score"], item["f_score"]) for item in scored.values()} == {(1, 1)}


class TestWindow:
    async def test_billing_before_the_window_counts_for_recency_only(self, bill, score, client):
        await bill({"OLD": [("2025-06-15", "900.00")], "NEW": [("2026-10-31", "1.00")]})

        await score("2026-10")

        old = (await client.get("/v1/customers/OLD/rfm")).json()
        assert (old["month"], old["recency_days"], old["frequency_days"], old["monetary_minor"]) == (
            "2026-10",
            503,
            0,
            0,
        )
        new = (await client.get("/v1/customers/NEW/rfm", params={"month": "2026-10"})).json()
        assert (new["recency_days"], new["frequency_days"], new["monetary_minor"]) == (0, 1, yuan("1.00"))

    async def test_scoring_a_month_again_gives_the_same_scores(self, bill, score, client):
        await bill({"A": [("2026-10-01", "5.00")], "B": [("2026-09-01", "7.00")]})
        await score("2026-10")
        first = await scores(client)

        assert await score("2026-10") == 2

        assert await scores(client) == first


class TestReading:
    async def test_a_customer_never_scored_is_not_found_and_pages_follow_the_cursor(self, bill, score, client):
        await bill({f"C-{i}": [("2026-10-01", "1.00")] for i in range(5)})
        await score("2026-10")

        assert (await client.get("/v1/customers/C-9/rfm")).status_code == 404
        assert (await client.get("/v1/customers/C-1/rfm", params={"month": "2026-09"})).status_code == 404
        seen, cursor = [], None
        while True:
            params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            page = (await client.get("/v1/rfm", params=params)).json()
            seen.extend(item["customer_id"] for item in page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == [f"C-{i}" for i in range(5)]
        champions = (await client.get("/v1/rfm", params={"segment": "champion"})).json()
        assert (champions["month"], champions["items"]) == ("2026-10", [])


async def test_a_segment_the_policy_does_not_name_is_a_422_listing_those_it_does(client):
    response = await client.get("/v1/rfm", params={"segment": "bogus"})

    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "segment"
    assert "champion" in error["reason"] and "needs_attention" in error["reason"]
    assert (await client.get("/v1/rfm", params={"segment": "at_risk"})).status_code == 200
