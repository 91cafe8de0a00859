"""Staff: people of an org unit with a level, registered and listed, announced as staff.registered."""

from kam_shared.events.catalog import StaffContact, StaffRegistered

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
