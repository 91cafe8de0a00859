"""Groups: a parent and its subsidiaries, no loops, membership announced as customer.group_changed."""

import pytest

from kam_shared.events.catalog import CustomerGroupChanged

from .conftest import NOW  # noqa: TID252


@pytest.fixture
async def chain(client) -> list[str]:
    """Three customers: head, middle, leaf (no groups yet)."""
    ids = []
    for name in ("Head Holdings", "Middle Trading", "Leaf Shop"):
        response = await client.post("/v1/customers", json={"full_name": name, "branch": "XM01"})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


async def set_parent(client, customer_id: str, parent_id: str | None):
    return await client.put(f"/v1/customers/{customer_id}/parent", json={"parent_id": parent_id})


class TestGroups:
    async def test_a_subsidiary_joins_its_parent_and_it_is_announced(self, bus, client, chain):
        head, middle, leaf = chain
        await set_parent(client, middle, head)

        response = await set_parent(client, leaf, middle)

        assert response.status_code == 200, response.text
        assert [member["id"] for member in response.json()["ancestors"]] == [middle, head]
        group = (await client.get(f"/v1/customers/{head}/group")).json()
        assert [member["id"] for member in group["subsidiaries"]] == [middle]
        events = [envelope.data for envelope in await bus.published(CustomerGroupChanged.TYPE)]
        assert events[-1] == CustomerGroupChanged(customer_id=leaf, parent_id=middle, changed_at=NOW)

    async def test_leaving_a_group_is_announced_with_the_previous_parent(self, bus, client, chain):
        head, middle, _leaf = chain
        await set_parent(client, middle, head)

        response = await set_parent(client, middle, None)

        assert response.json()["parent_id"] is None
        last = (await bus.published(CustomerGroupChanged.TYPE))[-1].data
        assert (last.parent_id, last.previous_parent_id) == (None, head)

    async def test_setting_the_same_parent_again_announces_nothing_new(self, bus, client, chain):
        head, middle, _leaf = chain
        await set_parent(client, middle, head)
        await set_parent(client, middle, head)

        assert len(await bus.published(CustomerGroupChanged.TYPE)) == 1


class TestRefusedGroups:
    async def test_a_loop_through_a_subsidiary_is_409_and_changes_nothing(self, bus, client, chain):
        head, middle, leaf = chain
        await set_parent(client, middle, head)
        await set_parent(client, leaf, middle)

        response = await set_parent(client, head, leaf)

        assert response.status_code == 409, response.text
        assert response.json()["errors"][0]["field"] == "parent_id"
        assert (await client.get(f"/v1/customers/{head}/group")).json()["parent_id"] is None
        assert len(await bus.published(CustomerGroupChanged.TYPE)) == 2

    async def test_a_customer_as_its_own_parent_is_409(self, client, chain):
        assert (await set_parent(client, chain[0], chain[0])).status_code == 409

    async def test_an_unknown_parent_is_422_naming_it(self, client, chain):
        response = await set_parent(client, chain[0], "nobody")

        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "parent_id"

    async def test_an_unknown_customer_is_404(self, client, chain):
        assert (await set_parent(client, "nobody", chain[0])).status_code == 404
