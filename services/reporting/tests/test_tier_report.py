import csv
import io
from datetime import date

import httpx

from kam_shared.events.catalog import TIERS

from .conftest import registered, revenue_updated, tier_changed  # noqa: TID252


def by_tier(report: dict) -> dict[str, dict]:
    return {line["tier"]: line for line in report["tiers"]}


async def report(client: httpx.AsyncClient, **params: str) -> dict:
    response = await client.get("/v1/reports/tiers", params=params)
    assert response.status_code == 200, response.text
    return response.json()


class TestTierReport:
    async def test_an_empty_report_lists_every_tier_in_order_with_zeros(self, client):
        body = await report(client)

        assert [line["tier"] for line in body["tiers"]] == list(TIERS)
        assert all(line["customers"] == 0 and line["revenue_12m_minor"] == 0 for line in body["tiers"])
        assert body["totals"] == {"customers": 0, "revenue_12m_minor": 0}
        assert body["as_of"] is None and body["currency"] is None

    async def test_customers_and_revenue_are_counted_by_tier(self, client, bus):
        await bus.publish(
            registered("c1"),
            registered("c2"),
            registered("c3"),
            registered("c4"),
            tier_changed("c1", "platinum", sequence=1),
            revenue_updated("c1", 300_000_000, sequence=1, as_of=date(2026, 11, 18)),
            tier_changed("c2", "vip", sequence=1),
            revenue_updated("c2", 60_000_000, sequence=1),
            tier_changed("c3", "vip", sequence=1),
            revenue_updated("c3", 40_000_000, sequence=1),
        )
        await bus.settled()

        body = await report(client)

        tiers = by_tier(body)
        assert [line["tier"] for line in body["tiers"]] == list(TIERS)
        assert tiers["platinum"] == {
            "tier": "platinum",
            "customers": 1,
            "revenue_12m_minor": 300_000_000,
            "share_of_revenue": 0.75,
        }
        assert tiers["vip"] == {
            "tier": "vip",
            "customers": 2,
            "revenue_12m_minor": 100_000_000,
            "share_of_revenue": 0.25,
        }
        assert tiers["standard"]["customers"] == 1, "a customer without a tier event is standard"
        assert tiers["strategic"]["customers"] == tiers["gold"]["customers"] == 0
        assert body["totals"] == {"customers": 4, "revenue_12m_minor": 400_000_000}
        assert body["currency"] == "CNY"
        assert body["as_of"] == "2026-11-19"

    async def test_the_branch_filter_counts_only_that_branchs_customers(self, client, bus):
        await bus.publish(
            registered("c1", branch="B100"),
            registered("c2", branch="B200"),
            revenue_updated("c1", 1_000, sequence=1),
            revenue_updated("c2", 3_000, sequence=1),
        )
        await bus.settled()

        body = await report(client, branch="B200")

        assert body["totals"] == {"customers": 1, "revenue_12m_minor": 3_000}
        assert by_tier(body)["standard"]["share_of_revenue"] == 1.0

    async def test_csv_output_parses_and_matches_the_json(self, client, bus):
        await bus.publish(
            registered("c1"),
            registered("c2"),
            tier_changed("c1", "gold", sequence=1),
            revenue_updated("c1", 70_000_000, sequence=1),
            revenue_updated("c2", 30_000_001, sequence=1),
        )
        await bus.settled()

        body = await report(client)
        response = await client.get("/v1/reports/tiers", params={"format": "csv"})

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [row["tier"] for row in rows] == [*TIERS, "total"]
        for row, line in zip(rows[:-1], body["tiers"], strict=True):
            assert int(row["customers"]) == line["customers"]
            assert int(row["revenue_12m_minor"]) == line["revenue_12m_minor"]
            assert float(row["share_of_revenue"]) == line["share_of_revenue"]
            assert row["currency"] == body["currency"] and row["as_of"] == body["as_of"]
        assert int(rows[-1]["customers"]) == body["totals"]["customers"]
        assert int(rows[-1]["revenue_12m_minor"]) == body["totals"]["revenue_12m_minor"]
        # Every share is written alike, with four decimals: 1.0000, never 1 in one row and 1.0 in another.
        assert all(len(row["share_of_revenue"].split(".")[1]) == 4 for row in rows), rows
        assert rows[-1]["share_of_revenue"] == "1.0000"

    async def test_revenue_in_two_currencies_is_refused_rather_than_summed(self, client, bus):
        await bus.publish(
            registered("c1"),
            registered("c2"),
            revenue_updated("c1", 1_000, sequence=1, currency="CNY"),
            revenue_updated("c2", 1_000, sequence=1, currency="HKD"),
        )
        await bus.settled()

        response = await client.get("/v1/reports/tiers")

        assert response.status_code == 409
        assert response.json()["currencies"] == ["CNY", "HKD"]

    async def test_an_unknown_format_is_rejected(self, client):
        response = await client.get("/v1/reports/tiers", params={"format": "xlsx"})

        assert response.status_code == 422


class TestAuthentication:
    async def test_the_report_answers_401_without_an_api_key(self, app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as anonymous:
            response = await anonymous.get("/v1/reports/tiers")

        assert response.status_code == 401

    async def test_the_report_answers_401_with_a_wrong_api_key(self, client):
        response = await client.get("/v1/reports/tiers", params={"format": "csv"}, headers={"X-API-Key": "nope"})

        assert response.status_code == 401
