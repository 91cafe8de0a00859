"""Registering a customer: the archive is stored, readable by id, unique by USCC, announced as customer.registered."""

import asyncio
from datetime import date

import httpx

from kam_shared.events.catalog import CustomerRegistered

from .conftest import NOW, OTHER_USCC, USCC, customer_in  # noqa: TID252


class TestRegistering:
    async def test_a_registered_customer_is_created_with_its_location_and_etag(self, client):
        response = await client.post("/v1/customers", json=customer_in())

        assert response.status_code == 201, response.text
        customer = response.json()
        assert response.headers["Location"] == f"http://test/v1/customers/{customer['id']}"
        assert response.headers["ETag"] == '"1"'
        assert customer["uscc"] == USCC
        assert customer["branch"] == "XM01"
        assert customer["version"] == 1
        assert customer["contacts"] == [
            {"name": "Li Wei", "role": "logistics manager", "phone": "0592-5550100", "email": None, "fax": None}
        ]

    async def test_a_registered_customer_can_be_read_back_at_its_location(self, client):
        created = await client.post("/v1/customers", json=customer_in(agreement={"signed_on": "2026-01-15"}))

        response = await client.get(created.headers["Location"])

        assert response.status_code == 200, response.text
        assert response.headers["ETag"] == '"1"'
        assert response.json() == created.json()
        assert response.json()["agreement"] == {"signed_on": "2026-01-15", "expires_on": None}

    async def test_an_unknown_customer_is_not_found(self, client):
        response = await client.get("/v1/customers/00000000-0000-0000-0000-000000000000")

        assert response.status_code == 404

    async def test_a_second_customer_with_the_same_uscc_is_a_conflict_naming_the_first(self, client, customer_id):
        response = await client.post("/v1/customers", json=customer_in(full_name="Another name for the same company"))

        assert response.status_code == 409, response.text
        problem = response.json()
        assert problem["errors"][0]["field"] == "uscc"
        assert problem["existing_customer_id"] == customer_id

    async def test_customers_with_different_codes_are_both_registered(self, client, customer_id):
        response = await client.post(
            "/v1/customers", json=customer_in(full_name="Quanzhou Stone Works", uscc=OTHER_USCC)
        )

        assert response.status_code == 201, response.text
        assert response.json()["id"] != customer_id


class TestRefusedRequests:
    async def test_a_request_without_an_api_key_is_unauthorized(self, app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as anonymous:
            response = await anonymous.post("/v1/customers", json=customer_in())

        assert response.status_code == 401

    async def test_a_request_with_a_wrong_api_key_is_unauthorized(self, client):
        response = await client.get("/v1/customers/any", headers={"X-API-Key": "not-the-key"})

        assert response.status_code == 401

    async def test_a_customer_without_a_branch_is_refused_naming_the_branch(self, client):
        body = customer_in()
        del body["branch"]

        response = await client.post("/v1/customers", json=body)

        assert response.status_code == 422
        assert [error["field"] for error in response.json()["errors"]] == ["branch"]

    async def test_a_field_the_contract_does_not_know_is_refused(self, client):
        response = await client.post("/v1/customers", json=customer_in(credit_limit=100000))

        assert response.status_code == 422
        assert [error["field"] for error in response.json()["errors"]] == ["credit_limit"]

    async def test_an_agreement_that_expires_before_it_is_signed_is_refused(self, client):
        response = await client.post(
            "/v1/customers", json=customer_in(agreement={"signed_on": "2026-05-01", "expires_on": "2026-04-30"})
        )

        assert response.status_code == 422

    async def test_a_refused_registration_stores_and_announces_nothing(self, bus, client, customer_id):
        await client.post("/v1/customers", json=customer_in(full_name="Duplicate"))

        assert len(await bus.published(CustomerRegistered.TYPE)) == 1


class TestTheRegisteredEvent:
    async def test_registering_announces_customer_registered_once_with_the_archive_data(self, bus, client):
        response = await client.post(
            "/v1/customers",
            json=customer_in(important=True, agreement={"signed_on": "2026-01-15", "expires_on": "2027-01-14"}),
        )
        customer_id = response.json()["id"]

        envelopes = await bus.published(CustomerRegistered.TYPE)

        assert len(envelopes) == 1
        envelope = envelopes[0]
        assert envelope.subject == customer_id
        assert envelope.source == "/kam/registry"
        assert envelope.time == NOW
        assert envelope.data == CustomerRegistered(
            customer_id=customer_id,
            full_name="Xiamen Harbour Logistics Co., Ltd.",
            short_name="Harbour Logistics",
            uscc=USCC,
            industry="manufacturing",
            branch="XM01",
            county="Siming",
            important=True,
            potential=False,
            agreement_signed_on=date(2026, 1, 15),
            agreement_expires_on=date(2027, 1, 14),
            registered_at=NOW,
        )

    async def test_the_event_key_is_the_customer_id(self, app, bus, customer_id):
        await bus.published()

        records = app.state.runtime.transport.records("kam.registry")
        assert [record.key for record in records] == [customer_id.encode()]


class TestConcurrentRegistrations:
    async def test_simultaneous_registrations_of_one_uscc_create_one_customer_and_conflicts(self, bus, client):
        responses = await asyncio.gather(*(client.post("/v1/customers", json=customer_in()) for _ in range(5)))

        statuses = sorted(response.status_code for response in responses)
        assert statuses == [201, 409, 409, 409, 409], [response.text for response in responses]
        [created] = [response.json()["id"] for response in responses if response.status_code == 201]
        conflicts = [response.json() for response in responses if response.status_code == 409]
        assert {detail["existing_customer_id"] for detail in conflicts} == {created}
        assert len(await bus.published(CustomerRegistered.TYPE)) == 1
