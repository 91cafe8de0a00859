"""Listing customers: filters, search by names and USCC (Chinese included), keyset pages, tiers from tiering."""

import pytest

from .conftest import OTHER_USCC, USCC, customer_in, tier_changed  # noqa: TID252


async def register(client, **overrides) -> str:
    response = await client.post("/v1/customers", json=customer_in(**overrides))
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.fixture
async def three(client) -> dict[str, str]:
    return {
        "harbour": await register(client),
        "tea": await register(
            client,
            full_name="福州茶叶进出口有限公司",
            short_name="福茶",
            uscc=OTHER_USCC,
            branch="FZ01",
            county="Gulou",
            industry="wholesale",
            important=True,
        ),
        "post": await register(client, full_name="Xiamen Post Office", short_name=None, uscc=None, county="Huli"),
    }


async def ids(client, **params) -> list[str]:
    response = await client.get("/v1/customers", params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


class TestFilters:
    async def test_each_filter_narrows_the_list(self, client, three):
        assert set(await ids(client)) == set(three.values())
        assert set(await ids(client, branch="XM01")) == {three["harbour"], three["post"]}
        assert await ids(client, county="Huli") == [three["post"]]
        assert await ids(client, industry="wholesale") == [three["tea"]]
        assert await ids(client, important="true") == [three["tea"]]
        assert await ids(client, branch="XM01", county="Siming") == [three["harbour"]]

    async def test_q_matches_full_name_short_name_and_uscc_in_any_case_and_script(self, client, three):
        assert await ids(client, q="harbour logistics") == [three["harbour"]]
        assert await ids(client, q="茶叶") == [three["tea"]]
        assert await ids(client, q="福茶") == [three["tea"]]
        assert await ids(client, q=OTHER_USCC[:8].lower()) == [three["tea"]]
        assert await ids(client, q=USCC) == [three["harbour"]]
        assert await ids(client, q="100%") == []

    async def test_q_ignores_width_and_punctuation_through_the_normalised_name(self, client, three):
        assert await ids(client, q="ＸＩＡＭＥＮ　ＰＯＳＴ") == [three["post"]]

    async def test_tier_filter_follows_what_tiering_announced_in_sequence(self, bus, client, three):
        await bus.deliver(tier_changed(three["tea"], "gold", 3), tier_changed(three["harbour"], "vip", 1))
        await bus.deliver(tier_changed(three["tea"], "vip", 2))

        assert await ids(client, tier="gold") == [three["tea"]]
        assert await ids(client, tier="vip") == [three["harbour"]]
        assert (await client.get(f"/v1/customers/{three['tea']}")).json()["tier"] == "gold"

    async def test_an_unknown_tier_is_422(self, client):
        response = await client.get("/v1/customers", params={"tier": "diamond"})

        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "tier"


class TestPages:
    async def test_pages_follow_the_cursor_without_gaps_or_repeats(self, client, three):
        first = (await client.get("/v1/customers", params={"limit": 2})).json()
        second = (await client.get("/v1/customers", params={"limit": 2, "cursor": first["next_cursor"]})).json()

        assert len(first["items"]) == 2
        assert len(second["items"]) == 1
        assert second["next_cursor"] is None
        seen = [item["id"] for item in first["items"] + second["items"]]
        assert sorted(seen) == sorted(three.values())

    async def test_a_limit_over_the_cap_is_422(self, client):
        response = await client.get("/v1/customers", params={"limit": 201})

        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "limit"

    async def test_a_cursor_the_service_did_not_issue_is_422(self, client):
        response = await client.get("/v1/customers", params={"cursor": "!!not-base64"})

        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "cursor"
