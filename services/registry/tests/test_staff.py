"""Staff: people of an org unit with a level, registered, listed, changed and leaving, announced as staff.*."""

from kam_shared.events.catalog import StaffContact, StaffRegistered, StaffUpdated

from .conftest import NOW  # noqa: TID252


def staff_in(**overrides) -> dict:
    body = {
        "name": "Chen Jing",
        "org_unit": "XM01",
        "level": 1,
        "contacts": [{"kind": "mobile", "value": "13800000001"}],
    }
    return {**body, **overrides}


class TestRegisteringStaff:
    async def test_a_staff_member_is_registered_readable_and_announced(self, bus, client):
        response = await client.post("/v1/staff", json=staff_in())

        assert response.status_code == 201, response.text
        staff = response.json()
        assert (await client.get(response.headers["Location"])).json() == staff
        [event] = [envelope.data for envelope in await bus.published(StaffRegistered.TYPE)]
        assert event == StaffRegistered(
            staff_id=staff["id"],
            name="Chen Jing",
            org_unit="XM01",
            level=1,
            contacts=[StaffContact(kind="mobile", value="13800000001")],
            registered_at=NOW,
        )

    async def test_a_level_outside_0_to_3_is_422_and_registers_nobody(self, bus, client):
        response = await client.post("/v1/staff", json=staff_in(level=4))

        assert response.status_code == 422
        assert [error["field"] for error in response.json()["errors"]] == ["level"]
        assert (await client.get("/v1/staff")).json()["items"] == []

    async def test_an_unknown_contact_kind_is_422(self, client):
        response = await client.post("/v1/staff", json=staff_in(contacts=[{"kind": "pager", "value": "1"}]))

        assert response.status_code == 422

    async def test_an_unknown_staff_member_is_404(self, client):
        assert (await client.get("/v1/staff/nobody")).status_code == 404


class TestListingStaff:
    async def test_staff_are_listed_by_org_unit_and_level_in_pages(self, client):
        for n, (org_unit, level) in enumerate([("XM01", 1), ("XM01", 2), ("FZ01", 2)]):
            await client.post("/v1/staff", json=staff_in(name=f"Person {n}", org_unit=org_unit, level=level))

        assert {
            item["name"] for item in (await client.get("/v1/staff", params={"org_unit": "XM01"})).json()["items"]
        } == {
            "Person 0",
            "Person 1",
        }
        assert len((await client.get("/v1/staff", params={"level": 2})).json()["items"]) == 2
        first = (await client.get("/v1/staff", params={"limit": 2})).json()
        rest = (await client.get("/v1/staff", params={"limit": 2, "cursor": first["next_cursor"]})).json()
        assert len(first["items"] + rest["items"]) == 3
        assert rest["next_cursor"] is None

    async def test_a_limit_over_the_cap_is_422(self, client):
        assert (await client.get("/v1/staff", params={"limit": 1000})).status_code == 422


async def register(client, **overrides) -> tuple[str, str]:
    response = await client.post("/v1/staff", json=staff_in(**overrides))
    assert response.status_code == 201, response.text
    return response.json()["id"], response.headers["ETag"]


class TestChangingStaff:
    async def test_a_change_is_kept_answered_with_a_new_etag_and_announced_with_what_changed(self, bus, client):
        staff_id, etag = await register(client)
        assert etag == '"1"'

        response = await client.patch(
            f"/v1/staff/{staff_id}",
            json={"level": 2, "org_unit": "XM", "name": "Chen Jing"},
            headers={"If-Match": etag},
        )

        assert response.status_code == 200, response.text
        assert response.headers["ETag"] == '"2"'
        staff = response.json()
        assert (staff["level"], staff["org_unit"], staff["version"], staff["active"]) == (2, "XM", 2, True)
        assert staff["updated_at"] is not None
        read = await client.get(f"/v1/staff/{staff_id}")
        assert read.json() == staff and read.headers["ETag"] == '"2"'
        [event] = [envelope.data for envelope in await bus.published(StaffUpdated.TYPE)]
        assert event == StaffUpdated(
            staff_id=staff_id,
            name="Chen Jing",
            org_unit="XM",
            level=2,
            contacts=[StaffContact(kind="mobile", value="13800000001")],
            active=True,
            changed=["level", "org_unit"],
            sequence=2,
            updated_at=NOW,
        )

    async def test_a_change_to_the_same_values_changes_nothing_and_announces_nothing(self, bus, client):
        staff_id, etag = await register(client)

        response = await client.patch(f"/v1/staff/{staff_id}", json={"level": 1}, headers={"If-Match": etag})

        assert response.status_code == 200 and response.headers["ETag"] == '"1"'
        assert await bus.published(StaffUpdated.TYPE) == []

    async def test_without_if_match_it_is_428_and_with_a_stale_one_412_and_nothing_changes(self, bus, client):
        staff_id, etag = await register(client)
        assert (await client.patch(f"/v1/staff/{staff_id}", json={"level": 2}, headers={"If-Match": etag})).is_success

        missing = await client.patch(f"/v1/staff/{staff_id}", json={"level": 3})
        stale = await client.patch(f"/v1/staff/{staff_id}", json={"level": 3}, headers={"If-Match": etag})

        assert missing.status_code == 428
        assert stale.status_code == 412 and stale.json()["current_etag"] == '"2"'
        assert (await client.get(f"/v1/staff/{staff_id}")).json()["level"] == 2
        assert len(await bus.published(StaffUpdated.TYPE)) == 1

    async def test_server_owned_fields_unknown_fields_nulls_and_bad_levels_are_422_naming_the_field(self, client):
        staff_id, etag = await register(client)

        for body, field in [
            ({"id": "other"}, "id"),
            ({"version": 9}, "version"),
            ({"created_at": "2026-01-01T00:00:00Z"}, "created_at"),
            ({"name": None}, "name"),
            ({"active": None}, "active"),
            ({"level": 7}, "level"),
            ({"org_unit": ""}, "org_unit"),
            ({"active": "no"}, "active"),
        ]:
            response = await client.patch(f"/v1/staff/{staff_id}", json=body, headers={"If-Match": etag})
            assert response.status_code == 422, (body, response.text)
            assert [error["field"] for error in response.json()["errors"]] == [field], body
        assert (await client.get(f"/v1/staff/{staff_id}")).json()["version"] == 1

    async def test_an_unknown_staff_member_is_404(self, client):
        response = await client.patch("/v1/staff/nobody", json={"level": 2}, headers={"If-Match": '"1"'})

        assert response.status_code == 404


class TestStaffLeaving:
    async def test_someone_who_has_left_is_listed_apart_announced_inactive_and_given_no_customers(
        self, bus, client, customer_id
    ):
        staff_id, etag = await register(client)

        response = await client.patch(f"/v1/staff/{staff_id}", json={"active": False}, headers={"If-Match": etag})

        assert response.status_code == 200, response.text
        assert response.json()["active"] is False
        [event] = [envelope.data for envelope in await bus.published(StaffUpdated.TYPE)]
        assert (event.active, event.changed, event.sequence) == (False, ["active"], 2)
        assert [item["id"] for item in (await client.get("/v1/staff", params={"active": False})).json()["items"]] == [
            staff_id
        ]
        assert (await client.get("/v1/staff", params={"active": True})).json()["items"] == []
        assigned = await client.put(f"/v1/customers/{customer_id}/managers", json={"a": staff_id, "b": None})
        assert assigned.status_code == 422
        assert [error["field"] for error in assigned.json()["errors"]] == ["a"]
        assert (await client.get(f"/v1/customers/{customer_id}/managers")).json()["a"] is None

    async def test_someone_still_managing_customers_cannot_leave_until_they_are_reassigned(self, client, customer_id):
        leaving, etag = await register(client)
        successor, _ = await register(client, name="Wu Lei")
        await client.put(f"/v1/customers/{customer_id}/managers", json={"a": leaving, "b": None})

        refused = await client.patch(f"/v1/staff/{leaving}", json={"active": False}, headers={"If-Match": etag})

        assert refused.status_code == 409
        assert [error["field"] for error in refused.json()["errors"]] == ["active"]
        assert "1 customer" in refused.json()["detail"]
        assert (await client.get(f"/v1/staff/{leaving}")).json()["active"] is True
        await client.put(f"/v1/customers/{customer_id}/managers", json={"a": successor, "b": None})
        left = await client.patch(f"/v1/staff/{leaving}", json={"active": False}, headers={"If-Match": etag})
        assert left.status_code == 200, left.text

    async def test_someone_who_returns_serves_again(self, client, customer_id):
        staff_id, etag = await register(client)
        left = await client.patch(f"/v1/staff/{staff_id}", json={"active": False}, headers={"If-Match": etag})

        back = await client.patch(
            f"/v1/staff/{staff_id}", json={"active": True}, headers={"If-Match": left.headers["ETag"]}
        )

        assert back.status_code == 200 and back.json()["version"] == 3
        assigned = await client.put(f"/v1/customers/{customer_id}/managers", json={"a": staff_id, "b": None})
        assert assigned.status_code == 200, assigned.text
