"""Account managers A and B: assigned with their history, announced, listed by manager, missing Bs found."""

import pytest

from kam_shared.events.catalog import ManagerAssigned

from .conftest import NOW, tier_changed  # noqa: TID252


@pytest.fixture
async def people(client) -> list[str]:
    ids = []
    for n in range(3):
        response = await client.post("/v1/staff", json={"name": f"Manager {n}", "org_unit": "XM01", "level": 1})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


async def assign(client, customer_id: str, a: str | None, b: str | None):
    return await client.put(f"/v1/customers/{customer_id}/managers", json={"a": a, "b": b})


class TestAssigning:
    async def test_managers_are_assigned_and_announced(self, bus, client, customer_id, people):
        response = await assign(client, customer_id, people[0], people[1])

        assert response.status_code == 200, response.text
        assert (response.json()["a"], response.json()["b"]) == (people[0], people[1])
        assert [envelope.data for envelope in await bus.published(ManagerAssigned.TYPE)] == [
            ManagerAssigned(customer_id=customer_id, a=people[0], b=people[1], assigned_at=NOW)
        ]

    async def test_a_change_keeps_the_previous_manager_in_the_history(self, bus, client, customer_id, people):
        await assign(client, customer_id, people[0], people[1])

        response = await assign(client, customer_id, people[0], people[2])

        history = [(item["role"], item["staff_id"], item["ended_at"]) for item in response.json()["history"]]
        assert history == [("a", people[0], None), ("b", people[1], "2026-11-20T04:00:00Z"), ("b", people[2], None)]
        assert (await client.get(f"/v1/customers/{customer_id}/managers")).json() == response.json()
        last = (await bus.published(ManagerAssigned.TYPE))[-1].data
        assert (last.b, last.previous_b) == (people[2], people[1])

    async def test_assigning_the_same_managers_again_changes_and_announces_nothing(
        self, bus, client, customer_id, people
    ):
        await assign(client, customer_id, people[0], people[1])

        response = await assign(client, customer_id, people[0], people[1])

        assert response.status_code == 200
        assert len(response.json()["history"]) == 2
        assert len(await bus.published(ManagerAssigned.TYPE)) == 1


class TestRefusedAssignments:
    async def test_one_person_as_a_and_b_is_422(self, client, customer_id, people):
        assert (await assign(client, customer_id, people[0], people[0])).status_code == 422

    async def test_a_b_without_an_a_is_422(self, client, customer_id, people):
        assert (await assign(client, customer_id, None, people[0])).status_code == 422

    async def test_an_unknown_staff_member_is_422_naming_the_role_and_nothing_changes(
        self, bus, client, customer_id, people
    ):
        response = await assign(client, customer_id, people[0], "nobody")

        assert response.status_code == 422
        assert [error["field"] for error in response.json()["errors"]] == ["b"]
        assert (await client.get(f"/v1/customers/{customer_id}/managers")).json()["history"] == []
        assert await bus.published(ManagerAssigned.TYPE) == []

    async def test_an_unknown_customer_is_404(self, client, people):
        assert (await assign(client, "nobody", people[0], None)).status_code == 404


class TestListsByManager:
    async def test_a_manager_lists_the_customers_they_manage_now_with_their_role(
        self, client, customer_id, other_customer_id, people
    ):
        await assign(client, customer_id, people[0], people[1])
        await assign(client, other_customer_id, people[1], None)
        await assign(client, customer_id, people[0], people[2])

        response = await client.get(f"/v1/managers/{people[1]}/customers")

        assert response.status_code == 200, response.text
        assert [(item["customer_id"], item["role"]) for item in response.json()["items"]] == [(other_customer_id, "a")]

    async def test_an_unknown_manager_is_404(self, client):
        assert (await client.get("/v1/managers/nobody/customers")).status_code == 404

    async def test_missing_manager_b_lists_vip_and_above_without_a_b(
        self, bus, client, customer_id, other_customer_id, people
    ):
        third = await client.post("/v1/customers", json={"full_name": "Jimei Standard Goods", "branch": "XM01"})
        await bus.deliver(tier_changed(customer_id, "gold", 1), tier_changed(other_customer_id, "vip", 1))
        await assign(client, customer_id, people[0], people[1])
        await assign(client, other_customer_id, people[0], None)

        response = await client.get("/v1/customers", params={"missing_manager": "b"})

        assert response.status_code == 200, response.text
        assert [item["id"] for item in response.json()["items"]] == [other_customer_id]
        assert third.json()["id"] not in [item["id"] for item in response.json()["items"]]
        assert (await client.get("/v1/customers", params={"missing_manager": "b", "tier": "standard"})).json()[
            "items"
        ] == []
