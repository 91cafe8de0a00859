"""Archives in four parts: completeness by the policy's counted fields, refresh by whom, overdue by tier cadence."""

from datetime import UTC, datetime, timedelta

import pytest

from kam_registry.archive.policy import add_months, shipped

from .conftest import NOW, tier_changed  # noqa: TID252


async def refresh(client, customer_id: str, part: str, body: dict):
    return await client.put(f"/v1/customers/{customer_id}/archive/{part}", json={"refreshed_by": "Chen Jing", **body})


class TestParts:
    async def test_an_archive_starts_with_what_the_customer_record_holds(self, client, customer_id):
        response = await client.get(f"/v1/customers/{customer_id}/archive")

        assert response.status_code == 200, response.text
        archive = response.json()
        # The fixture customer fills the 6 record fields of the 11 the basic part counts; 16 are counted in all.
        assert archive["parts"]["basic"]["completeness"] == round(100 * 6 / 11)
        assert archive["parts"]["extended"]["completeness"] == 0
        assert archive["completeness"] == round(100 * 6 / 16)
        assert archive["last_refreshed_at"] is None

    async def test_a_refreshed_part_counts_its_filled_fields_and_remembers_who_and_when(self, client, customer_id):
        response = await refresh(
            client, customer_id, "extended", {"organisation": "group HQ in Xiamen", "decision_process": "board"}
        )

        assert response.status_code == 200, response.text
        extended = response.json()["parts"]["extended"]
        assert extended["completeness"] == round(100 * 2 / 3)
        assert (extended["refreshed_by"], extended["refreshed_at"]) == ("Chen Jing", "2026-11-20T04:00:00Z")
        assert response.json()["last_refreshed_at"] == "2026-11-20T04:00:00Z"

    async def test_use_in_two_or_more_cities_is_province_wide_and_in_one_regional(self, client, customer_id):
        one = await refresh(client, customer_id, "basic", {"cities": ["Xiamen"]})
        two = await refresh(client, customer_id, "basic", {"cities": ["Xiamen", "Quanzhou"], "principal": "Lin Hua"})

        assert one.json()["geographic_scope"] == "regional"
        assert two.json()["geographic_scope"] == "province_wide"
        assert two.json()["parts"]["basic"]["data"]["principal"] == "Lin Hua"

    async def test_key_persons_and_competitors_are_kept(self, client, customer_id):
        await refresh(
            client, customer_id, "key-persons", {"key_persons": [{"name": "Lin Hua", "role": "decision_maker"}]}
        )
        response = await refresh(
            client, customer_id, "competitors", {"competitors": [{"name": "SF Express", "share_percent": 40}]}
        )

        parts = response.json()["parts"]
        assert parts["key_persons"]["completeness"] == 100
        assert parts["competitors"]["data"]["competitors"][0]["share_percent"] == 40

    async def test_bad_parts_are_422_and_change_nothing(self, client, customer_id):
        assert (
            await refresh(client, customer_id, "competitors", {"competitors": [{"name": "X", "share_percent": 140}]})
        ).status_code == 422
        assert (
            await refresh(client, customer_id, "key-persons", {"key_persons": [{"name": "X", "role": "boss"}]})
        ).status_code == 422
        no_one = await client.put(f"/v1/customers/{customer_id}/archive/extended", json={"organisation": "x"})
        assert no_one.status_code == 422
        assert (await client.get(f"/v1/customers/{customer_id}/archive")).json()["last_refreshed_at"] is None

    async def test_an_unknown_customer_is_404(self, client):
        assert (await refresh(client, "nobody", "extended", {})).status_code == 404


class TestCadence:
    def test_the_shipped_cadence_is_monthly_for_vip_two_monthly_for_gold_quarterly_above(self):
        assert shipped().refresh_months == {"strategic": 3, "platinum": 3, "gold": 2, "vip": 1}

    @pytest.mark.parametrize(
        ("start", "months", "due"),
        [((2026, 1, 31), 1, (2026, 2, 28)), ((2026, 11, 20), 2, (2027, 1, 20)), ((2024, 11, 30), 3, (2025, 2, 28))],
    )
    def test_months_are_added_by_the_calendar(self, start, months, due):
        assert add_months(datetime(*start, tzinfo=UTC), months) == datetime(*due, tzinfo=UTC)


class TestOverdue:
    async def test_archives_past_their_tiers_cadence_are_listed_with_how_long(
        self, bus, client, clock, customer_id, other_customer_id
    ):
        await bus.deliver(tier_changed(customer_id, "vip", 1), tier_changed(other_customer_id, "gold", 1))
        await refresh(client, other_customer_id, "extended", {"organisation": "x"})
        clock.advance(timedelta(days=45))

        response = await client.get("/v1/archives/overdue")

        assert response.status_code == 200, response.text
        [item] = response.json()["items"]
        assert (item["customer_id"], item["tier"], item["last_refreshed_at"]) == (customer_id, "vip", None)
        assert item["due_at"] == "2026-12-20T04:00:00Z"
        assert item["overdue_days"] == 15

    async def test_the_list_narrows_by_branch_and_manager(self, bus, client, clock, customer_id, other_customer_id):
        await bus.deliver(tier_changed(customer_id, "vip", 1), tier_changed(other_customer_id, "vip", 1))
        staff = (await client.post("/v1/staff", json={"name": "Chen Jing", "org_unit": "FZ01", "level": 1})).json()
        await client.put(f"/v1/customers/{other_customer_id}/managers", json={"a": staff["id"], "b": None})
        clock.advance(timedelta(days=40))

        by_branch = (await client.get("/v1/archives/overdue", params={"branch": "XM01"})).json()["items"]
        by_manager = (await client.get("/v1/archives/overdue", params={"manager": staff["id"]})).json()["items"]

        assert [item["customer_id"] for item in by_branch] == [customer_id]
        assert [item["customer_id"] for item in by_manager] == [other_customer_id]

    async def test_standard_customers_have_no_cadence(self, client, clock, customer_id):
        clock.advance(timedelta(days=400))

        assert (await client.get("/v1/archives/overdue")).json()["items"] == []
        assert clock.now() > NOW
