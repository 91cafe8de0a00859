"""Changing a customer: If-Match against the ETag, server-owned fields refused, each change one customer.updated."""

import asyncio

from kam_shared.events.catalog import CustomerUpdated

from .conftest import OTHER_USCC  # noqa: TID252


async def patch(client, customer_id, body, etag='"1"'):
    headers = {"If-Match": etag} if etag is not None else {}
    return await client.patch(f"/v1/customers/{customer_id}", json=body, headers=headers)


class TestChanging:
    async def test_a_change_with_the_current_etag_is_stored_and_gets_a_new_etag(self, client, customer_id):
        response = await patch(client, customer_id, {"short_name": "Harbour", "county": "Huli"})

        assert response.status_code == 200, response.text
        assert response.headers["ETag"] == '"2"'
        assert response.json()["short_name"] == "Harbour"
        read = await client.get(f"/v1/customers/{customer_id}")
        assert read.headers["ETag"] == '"2"'
        assert (read.json()["short_name"], read.json()["county"], read.json()["version"]) == ("Harbour", "Huli", 2)

    async def test_a_change_announces_the_whole_profile_the_changed_fields_and_the_next_sequence(
        self, bus, client, customer_id
    ):
        await patch(client, customer_id, {"short_name": "Harbour", "important": True})
        await patch(client, customer_id, {"agreement": {"signed_on": "2026-03-01"}}, etag='"2"')

        first, second = [envelope.data for envelope in await bus.published(CustomerUpdated.TYPE)]
        assert (first.sequence, first.changed, first.short_name, first.important) == (
            2,
            ["important", "short_name"],
            "Harbour",
            True,
        )
        assert first.full_name == "Xiamen Harbour Logistics Co., Ltd."
        assert (second.sequence, second.changed) == (3, ["agreement_signed_on"])
        assert second.short_name == "Harbour"

    async def test_sending_the_current_values_changes_nothing_and_announces_nothing(self, bus, client, customer_id):
        response = await patch(client, customer_id, {"branch": "XM01", "county": "Siming"})

        assert response.status_code == 200
        assert response.headers["ETag"] == '"1"'
        assert await bus.published(CustomerUpdated.TYPE) == []

    async def test_null_clears_an_optional_field(self, client, customer_id):
        response = await patch(client, customer_id, {"short_name": None})

        assert response.status_code == 200, response.text
        assert response.json()["short_name"] is None

    async def test_any_etag_star_applies_to_the_current_version(self, client, customer_id):
        response = await patch(client, customer_id, {"county": "Huli"}, etag="*")

        assert response.status_code == 200, response.text
        assert response.headers["ETag"] == '"2"'


class TestRefusedChanges:
    async def test_a_change_without_if_match_is_428_and_changes_nothing(self, bus, client, customer_id):
        response = await patch(client, customer_id, {"county": "Huli"}, etag=None)

        assert response.status_code == 428, response.text
        assert (await client.get(f"/v1/customers/{customer_id}")).json()["county"] == "Siming"
        assert await bus.published(CustomerUpdated.TYPE) == []

    async def test_a_change_on_a_stale_etag_is_412_and_changes_nothing(self, bus, client, customer_id):
        await patch(client, customer_id, {"county": "Huli"})

        response = await patch(client, customer_id, {"county": "Jimei"}, etag='"1"')

        assert response.status_code == 412, response.text
        assert response.json()["current_etag"] == '"2"'
        assert (await client.get(f"/v1/customers/{customer_id}")).json()["county"] == "Huli"
        assert len(await bus.published(CustomerUpdated.TYPE)) == 1

    async def test_a_weak_etag_never_matches(self, client, customer_id):
        response = await patch(client, customer_id, {"county": "Huli"}, etag='W/"1"')

        assert response.status_code == 412

    async def test_a_server_owned_field_is_422_naming_it_and_changes_nothing(self, client, customer_id):
        for field, value in (("tier", "gold"), ("id", "x"), ("version", 7), ("created_at", "2026-01-01T00:00:00Z")):
            response = await patch(client, customer_id, {field: value, "county": "Huli"})

            assert response.status_code == 422, response.text
            assert [error["field"] for error in response.json()["errors"]] == [field]
        assert (await client.get(f"/v1/customers/{customer_id}")).json()["county"] == "Siming"

    async def test_clearing_a_required_field_is_422_naming_it(self, client, customer_id):
        response = await patch(client, customer_id, {"branch": None})

        assert response.status_code == 422
        assert [error["field"] for error in response.json()["errors"]] == ["branch"]

    async def test_a_wrong_uscc_check_character_is_422(self, client, customer_id):
        response = await patch(client, customer_id, {"uscc": OTHER_USCC[:-1] + "5"})

        assert response.status_code == 422
        assert [error["field"] for error in response.json()["errors"]] == ["uscc"]

    async def test_taking_another_customers_uscc_is_409_naming_it(self, client, customer_id, other_customer_id):
        response = await patch(client, customer_id, {"uscc": OTHER_USCC})

        assert response.status_code == 409, response.text
        assert response.json()["existing_customer_id"] == other_customer_id

    async def test_an_unknown_customer_is_404(self, client):
        response = await patch(client, "00000000-0000-0000-0000-000000000000", {"county": "Huli"})

        assert response.status_code == 404


class TestConcurrentChanges:
    async def test_changes_made_on_one_version_at_the_same_time_leave_one_winner(self, bus, client, customer_id):
        responses = await asyncio.gather(*(patch(client, customer_id, {"county": f"County {n}"}) for n in range(4)))

        assert sorted(response.status_code for response in responses) == [200, 412, 412, 412]
        events = [envelope.data for envelope in await bus.published(CustomerUpdated.TYPE)]
        assert [event.sequence for event in events] == [2]

    async def test_successive_changes_get_consecutive_sequences(self, bus, client, customer_id):
        async def change(n: int) -> int:
            while True:
                etag = (await client.get(f"/v1/customers/{customer_id}")).headers["ETag"]
                response = await patch(client, customer_id, {"county": f"County {n}"}, etag=etag)
                if response.status_code == 200:
                    return n
                assert response.status_code == 412, response.text

        await asyncio.gather(*(change(n) for n in range(4)))

        events = [envelope.data for envelope in await bus.published(CustomerUpdated.TYPE)]
        assert [event.sequence for event in events] == [2, 3, 4, 5]
        final = (await client.get(f"/v1/customers/{customer_id}")).json()
        assert final["county"] == events[-1].county
