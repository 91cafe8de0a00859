"""Reading a customer's monthly revenue: one entry per month of the range, zero where nothing was billed."""

from datetime import UTC, datetime

import pytest

from .conftest import billing, registered, yuan  # noqa: TID252


def charge(billing_id: str, amount: str, posted_on: str, **fields) -> dict:
    """Billing that names customer C-1 directly."""
    return billing(
        billing_id, customer_id="C-1", account_no=None, amount_minor=yuan(amount), posted_on=posted_on, **fields
    )


@pytest.fixture(autouse=True)
async def customer_registered(bus) -> None:
    """C-1, whose billing these tests read, is a customer the registry announced."""
    await bus.publish(registered("C-1"))
    await bus.settled()


class TestTheMonthlySeries:
    async def test_by_default_it_is_the_last_12_months_with_zeros_for_empty_months(self, client, post_billing):
        await post_billing(
            charge("B-1", "120.00", "2026-02-10", items=4),
            charge("B-2", "80.00", "2026-02-11", items=1),
            charge("B-3", "55.50", "2026-11-20", items=2),
        )

        response = await client.get("/v1/customers/C-1/revenue")

        assert response.status_code == 200, response.text
        series = response.json()
        assert (series["from_month"], series["to_month"], series["currency"]) == ("2025-12", "2026-11", "CNY")
        months = series["months"]
        assert [month["month"] for month in months] == [
            "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05",
            "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11",
        ]  # fmt: skip
        assert months[2] == {
            "month": "2026-02",
            "amount_minor": yuan("200.00"),
            "items": 5,
            "lines": 2,
            "currency": "CNY",
        }
        assert months[11]["amount_minor"] == yuan("55.50")
        assert [month["amount_minor"] for month in months if month["month"] not in ("2026-02", "2026-11")] == [0] * 10
        assert series["total_minor"] == yuan("255.50")

    async def test_a_range_can_be_asked_for(self, client, post_billing):
        await post_billing(
            charge("B-1", "1.00", "2024-12-31"),
            charge("B-2", "2.00", "2025-01-01"),
        )

        response = await client.get("/v1/customers/C-1/revenue", params={"from": "2024-11", "to": "2025-02"})

        series = response.json()
        assert [(month["month"], month["amount_minor"]) for month in series["months"]] == [
            ("2024-11", 0),
            ("2024-12", 100),
            ("2025-01", 200),
            ("2025-02", 0),
        ]
        assert series["total_minor"] == 300

    async def test_a_correction_lowers_the_month_of_its_charge_not_of_its_own_posting_date(
        self, post_billing, revenue_of
    ):
        await post_billing(
            charge("B-1", "500.00", "2026-10-10"),
            charge("B-2", "-200.00", "2026-11-03", corrects_billing_id="B-1"),
        )

        assert await revenue_of("C-1") == {"2026-10": yuan("300.00")}

    async def test_the_current_month_is_reckoned_in_the_carriers_time_zone(self, client, clock, post_billing):
        # 1 December, 01:00 in Asia/Shanghai while it is still 30 November in UTC.
        clock.set(datetime(2026, 11, 30, 17, 0, tzinfo=UTC))
        await post_billing(charge("B-1", "9.00", "2026-12-01"))

        series = (await client.get("/v1/customers/C-1/revenue")).json()

        assert (series["from_month"], series["to_month"]) == ("2026-01", "2026-12")
        assert series["months"][-1]["amount_minor"] == yuan("9.00")

    async def test_a_customer_without_billing_has_twelve_zero_months(self, client, bus):
        await bus.publish(registered("C-quiet"))
        await bus.settled()

        response = await client.get("/v1/customers/C-quiet/revenue")

        months = response.json()["months"]
        assert len(months) == 12
        assert {month["amount_minor"] for month in months} == {0}

    async def test_a_customer_tiering_has_never_heard_of_is_not_found(self, client):
        response = await client.get("/v1/customers/C-unknown/revenue")

        assert response.status_code == 404


class TestBadRanges:
    async def test_a_month_not_written_yyyy_mm_is_refused(self, client):
        for bad in ("2026-13", "2026-1", "202611", "November"):
            response = await client.get("/v1/customers/C-1/revenue", params={"from": bad})

            assert response.status_code == 422, bad
            assert response.json()["errors"][0]["field"] == "from", bad

    async def test_an_end_month_not_written_yyyy_mm_is_refused(self, client):
        response = await client.get("/v1/customers/C-1/revenue", params={"to": "2026-00"})

        assert response.status_code == 422

    async def test_a_range_that_ends_before_it_starts_is_refused(self, client):
        response = await client.get("/v1/customers/C-1/revenue", params={"from": "2026-05", "to": "2026-04"})

        assert response.status_code == 422
        assert response.json()["errors"] == [{"field": "from", "reason": "from (2026-05) is after to (2026-04)"}]

    async def test_an_end_month_far_in_the_future_is_refused_at_once(self, client):
        response = await client.get("/v1/customers/C-1/revenue", params={"to": "9999-12"})

        assert response.status_code == 422
        assert response.json()["errors"] == [{"field": "to", "reason": "9999-12 lies outside 2000-01..2100-12"}]

    async def test_a_month_of_year_zero_is_refused(self, client):
        response = await client.get("/v1/customers/C-1/revenue", params={"to": "0000-01"})

        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "to"

    async def test_a_start_month_before_2000_is_refused(self, client):
        response = await client.get("/v1/customers/C-1/revenue", params={"from": "1999-12", "to": "2000-01"})

        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "from"

    async def test_the_default_start_stops_at_the_first_month_the_ledger_keeps(self, client):
        series = (await client.get("/v1/customers/C-1/revenue", params={"to": "2000-05"})).json()

        assert [month["month"] for month in series["months"]] == ["2000-01", "2000-02", "2000-03", "2000-04", "2000-05"]

    async def test_a_range_of_exactly_120_months_is_served(self, client):
        response = await client.get("/v1/customers/C-1/revenue", params={"from": "2016-12", "to": "2026-11"})

        assert response.status_code == 200
        assert len(response.json()["months"]) == 120

    async def test_a_range_of_121_months_is_refused(self, client):
        response = await client.get("/v1/customers/C-1/revenue", params={"from": "2016-11", "to": "2026-11"})

        assert response.status_code == 422
        assert response.json()["errors"] == [{"field": "from", "reason": "the range covers more than 120 months"}]

    async def test_a_range_of_more_than_ten_years_is_refused(self, client):
        response = await client.get("/v1/customers/C-1/revenue", params={"from": "2010-01", "to": "2026-11"})

        assert response.status_code == 422


class TestBoundedWaitingViews:
    @pytest.mark.parametrize("path", ["/v1/billing/waiting", "/v1/billing-accounts/waiting"])
    @pytest.mark.parametrize("limit", ["0", "1001", "-1"])
    async def test_a_limit_outside_1_to_1000_is_refused(self, client, path, limit):
        response = await client.get(path, params={"limit": limit})

        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "limit"

    async def test_a_customer_id_longer_than_the_registry_gives_is_refused(self, client):
        response = await client.get(f"/v1/customers/{'C' * 37}/revenue")

        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "customer_id"

    @pytest.mark.parametrize("route", ["tier", "revenue"])
    @pytest.mark.parametrize("customer_id", ["a%0Ab", "a%00b", "%1B"])
    async def test_a_customer_id_with_a_control_character_is_refused_not_echoed(self, client, route, customer_id):
        response = await client.get(f"/v1/customers/{customer_id}/{route}")

        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "customer_id"
