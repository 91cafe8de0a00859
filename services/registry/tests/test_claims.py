"""Development-rights claims: the first valid claim holds; a competing one is kept as a conflict for a ruling."""

import asyncio

from .conftest import OTHER_USCC, USCC  # noqa: TID252


def claim_in(**overrides) -> dict:
    body = {"unit": "XM01", "uscc": USCC, "name": "厦门港务物流有限公司", "evidence": "visit report 2026-11-02"}
    return {**body, **overrides}


async def file(client, **overrides):
    return await client.post("/v1/claims", json=claim_in(**overrides))


async def statuses(client) -> dict[str, str]:
    return {item["id"]: item["status"] for item in (await client.get("/v1/claims")).json()["items"]}


class TestFiling:
    async def test_the_first_claim_on_an_organisation_holds(self, client):
        response = await file(client)

        assert response.status_code == 201, response.text
        assert response.json()["status"] == "holding"
        assert (await client.get(response.headers["Location"])).json() == response.json()

    async def test_a_claim_on_a_registered_customer_takes_its_uscc_and_name(self, client, customer_id):
        response = await client.post(
            "/v1/claims", json={"unit": "XM02", "customer_id": customer_id, "evidence": "signed letter of intent"}
        )

        assert response.status_code == 201, response.text
        assert (response.json()["uscc"], response.json()["name"]) == (USCC, "Xiamen Harbour Logistics Co., Ltd.")

    async def test_claims_on_different_organisations_both_hold(self, client):
        await file(client)

        response = await file(client, unit="FZ01", uscc=OTHER_USCC, name="福州茶叶进出口有限公司")

        assert response.json()["status"] == "holding"

    async def test_a_claim_on_a_customer_with_another_name_or_uscc_is_422_and_stores_nothing(self, client, customer_id):
        by_id = {"unit": "XM02", "customer_id": customer_id, "evidence": "visit"}

        other_name = await client.post("/v1/claims", json={**by_id, "name": "Another Trading Co."})
        other_uscc = await client.post("/v1/claims", json={**by_id, "uscc": OTHER_USCC})

        assert other_name.status_code == 422, other_name.text
        assert other_name.json()["errors"][0]["field"] == "name"
        assert other_uscc.status_code == 422, other_uscc.text
        assert other_uscc.json()["errors"][0]["field"] == "uscc"
        assert await statuses(client) == {}

    async def test_a_claim_on_a_customer_may_repeat_its_name_and_uscc(self, client, customer_id):
        response = await client.post(
            "/v1/claims",
            json={
                "unit": "XM02",
                "customer_id": customer_id,
                "uscc": USCC,
                "name": "XIAMEN HARBOUR LOGISTICS CO., LTD.",
                "evidence": "visit",
            },
        )

        assert response.status_code == 201, response.text


class TestCompetingClaims:
    async def test_a_second_units_claim_on_the_same_uscc_is_409_and_kept_as_a_conflict(self, client):
        first = await file(client)

        response = await file(client, unit="XM02", name="Another name")

        assert response.status_code == 409, response.text
        problem = response.json()
        assert problem["holding_claim_id"] == first.json()["id"]
        conflict = (await client.get(response.headers["Location"])).json()
        assert (conflict["id"], conflict["status"], conflict["conflicts_with"]) == (
            problem["claim_id"],
            "conflict",
            first.json()["id"],
        )
        assert (await client.get(f"/v1/claims/{first.json()['id']}")).json()["status"] == "holding"

    async def test_claims_on_one_customer_by_id_conflict_whatever_else_they_say(self, client, customer_id):
        first = await client.post("/v1/claims", json={"unit": "XM01", "customer_id": customer_id, "evidence": "a"})
        by_name = await file(client, unit="XM02", uscc=None, name="Xiamen Harbour Logistics Co., Ltd.")
        by_id = await client.post("/v1/claims", json={"unit": "XM03", "customer_id": customer_id, "evidence": "b"})

        assert first.json()["status"] == "holding"
        assert (by_name.status_code, by_id.status_code) == (409, 409)
        assert sorted((await statuses(client)).values()) == ["conflict", "conflict", "holding"]

    async def test_a_claim_on_the_same_normalised_name_without_a_uscc_is_a_conflict(self, client):
        await file(client)

        response = await file(client, unit="XM02", uscc=None, name="厦门港务物流有限责任公司")

        assert response.status_code == 409
        assert response.json()["claim_status"] == "conflict"

    async def test_the_same_unit_claiming_again_is_409_and_stores_nothing(self, client):
        await file(client)

        response = await file(client, evidence="again")

        assert response.status_code == 409
        assert "claim_id" not in response.json()
        assert len(await statuses(client)) == 1

    async def test_a_wrong_uscc_check_character_is_422_and_stores_nothing(self, client):
        response = await file(client, uscc=USCC[:-1] + "0")

        assert response.status_code == 422
        assert await statuses(client) == {}

    async def test_a_claim_naming_no_organisation_is_422(self, client):
        assert (await client.post("/v1/claims", json={"unit": "XM01", "evidence": "x"})).status_code == 422

    async def test_simultaneous_first_claims_leave_one_holder(self, client):
        responses = await asyncio.gather(*(file(client, unit=f"U{n}") for n in range(4)))

        assert sorted(response.status_code for response in responses) == [201, 409, 409, 409]
        assert sorted((await statuses(client)).values()) == ["conflict", "conflict", "conflict", "holding"]


class TestRulings:
    async def test_upholding_a_conflict_gives_it_the_right_and_records_who_and_why(self, client):
        first = (await file(client)).json()
        conflict_id = (await file(client, unit="XM02")).json()["claim_id"]

        response = await client.post(
            f"/v1/claims/{conflict_id}/ruling",
            json={"decision": "upheld", "ruled_by": "Marketing dept., Wang Li", "reason": "agreement signed in XM02"},
        )

        assert response.status_code == 200, response.text
        assert (response.json()["status"], response.json()["ruled_by"]) == ("holding", "Marketing dept., Wang Li")
        assert await statuses(client) == {first["id"]: "superseded", conflict_id: "holding"}

    async def test_rejecting_a_conflict_leaves_the_holder(self, client):
        first = (await file(client)).json()
        conflict_id = (await file(client, unit="XM02")).json()["claim_id"]

        await client.post(
            f"/v1/claims/{conflict_id}/ruling", json={"decision": "rejected", "ruled_by": "Wang Li", "reason": "late"}
        )

        assert await statuses(client) == {first["id"]: "holding", conflict_id: "rejected"}
        listed = (await client.get("/v1/claims", params={"status": "rejected"})).json()["items"]
        assert [item["id"] for item in listed] == [conflict_id]

    async def test_a_ruling_on_a_claim_not_in_conflict_is_409(self, client):
        first = (await file(client)).json()

        response = await client.post(
            f"/v1/claims/{first['id']}/ruling", json={"decision": "upheld", "ruled_by": "Wang Li", "reason": "x"}
        )

        assert response.status_code == 409
        assert (await client.get(f"/v1/claims/{first['id']}")).json()["ruled_by"] is None

    async def test_a_ruling_without_who_or_why_is_422(self, client):
        conflict_id = (await file(client, unit="XM02")).json()["id"]

        response = await client.post(f"/v1/claims/{conflict_id}/ruling", json={"decision": "upheld"})

        assert response.status_code == 422

    async def test_an_unknown_status_filter_is_422(self, client):
        assert (await client.get("/v1/claims", params={"status": "won"})).status_code == 422
