"""Duplicates by name: a normalised full name already registered is a 409 naming the customer, unless confirmed."""

import asyncio

import pytest

from kam_registry.customer.names import normalise_name
from kam_shared.events.catalog import CustomerRegistered

from .conftest import OTHER_USCC, customer_in  # noqa: TID252


class TestNormalisedNames:
    @pytest.mark.parametrize(
        ("one", "other"),
        [
            ("厦门港务物流有限公司", "厦门港务物流有限责任公司"),
            ("厦门港务物流有限公司", "厦门 港务物流（有限公司）"),
            ("ＸＩＡＭＥＮ Harbour Co., Ltd.", "xiamen harbour company limited"),
            ("Xiamen Harbour Ltd", "XIAMEN-HARBOUR LIMITED"),
        ],
    )
    def test_spellings_of_one_organisation_share_a_normalised_name(self, one, other):
        assert normalise_name(one) == normalise_name(other)

    def test_different_organisations_keep_different_names(self):
        assert normalise_name("厦门港务物流有限公司") != normalise_name("厦门港务物流股份有限公司")


class TestRegisteringADuplicateName:
    async def test_a_name_already_registered_in_another_spelling_is_409_naming_the_customer(
        self, bus, client, customer_id
    ):
        response = await client.post(
            "/v1/customers", json=customer_in(full_name="XIAMEN HARBOUR LOGISTICS COMPANY LIMITED", uscc=OTHER_USCC)
        )

        assert response.status_code == 409, response.text
        assert response.json()["existing_customer_id"] == customer_id
        assert response.json()["errors"][0]["field"] == "full_name"
        assert len(await bus.published(CustomerRegistered.TYPE)) == 1
        assert len((await client.get("/v1/customers")).json()["items"]) == 1

    async def test_a_chinese_company_form_variant_is_the_same_name(self, client):
        first = await client.post("/v1/customers", json=customer_in(full_name="厦门港务物流有限公司", uscc=None))

        second = await client.post("/v1/customers", json=customer_in(full_name="厦门港务物流有限责任公司", uscc=None))

        assert second.status_code == 409
        assert second.json()["existing_customer_id"] == first.json()["id"]

    async def test_force_with_a_reason_registers_it_beside_the_other_and_records_why(self, client, customer_id):
        response = await client.post(
            "/v1/customers",
            params={"force": "true", "reason": "a different company in Fujian with the same name"},
            json=customer_in(uscc=OTHER_USCC, branch="FZ01"),
        )

        assert response.status_code == 201, response.text
        assert response.json()["duplicate_of"] == customer_id
        assert response.json()["duplicate_reason"] == "a different company in Fujian with the same name"

    async def test_force_without_a_reason_is_422_and_registers_nothing(self, client, customer_id):
        response = await client.post("/v1/customers", params={"force": "true"}, json=customer_in(uscc=OTHER_USCC))

        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "reason"
        assert len((await client.get("/v1/customers")).json()["items"]) == 1

    async def test_force_does_not_override_a_duplicate_uscc(self, client, customer_id):
        response = await client.post(
            "/v1/customers", params={"force": "true", "reason": "sure"}, json=customer_in(full_name="Other")
        )

        assert response.status_code == 409
        assert response.json()["errors"][0]["field"] == "uscc"

    async def test_simultaneous_registrations_of_one_name_create_one_customer(self, client):
        responses = await asyncio.gather(*(client.post("/v1/customers", json=customer_in(uscc=None)) for _ in range(4)))

        assert sorted(response.status_code for response in responses) == [201, 409, 409, 409]


class TestRenamingToADuplicateName:
    async def test_renaming_to_another_customers_name_is_409_and_changes_nothing(
        self, client, customer_id, other_customer_id
    ):
        response = await client.patch(
            f"/v1/customers/{customer_id}",
            json={"full_name": "FUZHOU TEA EXPORT COMPANY LIMITED"},
            headers={"If-Match": '"1"'},
        )

        assert response.status_code == 409, response.text
        assert response.json()["existing_customer_id"] == other_customer_id
        assert (await client.get(f"/v1/customers/{customer_id}")).headers["ETag"] == '"1"'

    async def test_a_new_spelling_of_its_own_name_is_no_duplicate(self, client, customer_id):
        response = await client.patch(
            f"/v1/customers/{customer_id}",
            json={"full_name": "XIAMEN HARBOUR LOGISTICS COMPANY LIMITED"},
            headers={"If-Match": '"1"'},
        )

        assert response.status_code == 200, response.text
        assert response.json()["duplicate_of"] is None
