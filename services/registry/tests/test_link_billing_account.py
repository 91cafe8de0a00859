"""Linking billing accounts: an account is linked once, moves between customers forward in time, never re-created."""

import asyncio
from datetime import date

from kam_shared.events.catalog import BillingAccountLinked

from .conftest import NOW  # noqa: TID252


def link(account_no: str = "MS-350100-0001", effective_from: str = "2026-01-01") -> dict:
    return {"account_no": account_no, "effective_from": effective_from}


class TestLinkingAnAccount:
    async def test_a_new_account_is_linked_and_announced(self, bus, client, customer_id):
        response = await client.post(f"/v1/customers/{customer_id}/billing-accounts", json=link())

        assert response.status_code == 201, response.text
        assert response.json() == {
            "account_no": "MS-350100-0001",
            "customer_id": customer_id,
            "effective_from": "2026-01-01",
            "linked_at": "2026-11-20T04:00:00Z",
            "previous_customer_id": None,
        }
        events = [envelope.data for envelope in await bus.published(BillingAccountLinked.TYPE)]
        assert events == [
            BillingAccountLinked(
                customer_id=customer_id,
                account_no="MS-350100-0001",
                effective_from=date(2026, 1, 1),
                previous_customer_id=None,
                linked_at=NOW,
            )
        ]

    async def test_linking_again_to_the_same_customer_changes_nothing_and_announces_nothing(
        self, bus, client, customer_id
    ):
        first = await client.post(f"/v1/customers/{customer_id}/billing-accounts", json=link())

        again = await client.post(f"/v1/customers/{customer_id}/billing-accounts", json=link())

        assert again.status_code == 200, again.text
        assert again.json() == first.json()
        assert len(await bus.published(BillingAccountLinked.TYPE)) == 1

    async def test_linking_again_to_the_same_customer_from_another_date_is_a_conflict_naming_the_date(
        self, bus, client, customer_id
    ):
        accounts = f"/v1/customers/{customer_id}/billing-accounts"
        await client.post(accounts, json=link(effective_from="2026-01-01"))

        again = await client.post(accounts, json=link(effective_from="2026-03-01"))

        assert again.status_code == 409, again.text
        problem = again.json()
        assert problem["errors"][0]["field"] == "effective_from"
        assert "since 2026-01-01" in problem["detail"] and problem["effective_from"] == "2026-01-01"
        assert len(await bus.published(BillingAccountLinked.TYPE)) == 1

    async def test_an_account_cannot_be_linked_to_an_unknown_customer(self, bus, client):
        response = await client.post("/v1/customers/no-such-customer/billing-accounts", json=link())

        assert response.status_code == 404
        assert await bus.published(BillingAccountLinked.TYPE) == []

    async def test_an_account_number_with_spaces_is_refused(self, client, customer_id):
        response = await client.post(f"/v1/customers/{customer_id}/billing-accounts", json=link("MS 0001"))

        assert response.status_code == 422
        assert [error["field"] for error in response.json()["errors"]] == ["account_no"]


class TestMovingAnAccount:
    async def test_an_account_moves_to_another_customer_from_a_later_date(
        self, bus, client, customer_id, other_customer_id
    ):
        await client.post(f"/v1/customers/{customer_id}/billing-accounts", json=link(effective_from="2026-01-01"))

        response = await client.post(
            f"/v1/customers/{other_customer_id}/billing-accounts", json=link(effective_from="2026-07-01")
        )

        assert response.status_code == 201, response.text
        moved = response.json()
        assert moved["customer_id"] == other_customer_id
        assert moved["effective_from"] == "2026-07-01"
        assert moved["previous_customer_id"] == customer_id
        events = [envelope.data for envelope in await bus.published(BillingAccountLinked.TYPE)]
        assert [(event.customer_id, event.effective_from, event.previous_customer_id) for event in events] == [
            (customer_id, date(2026, 1, 1), None),
            (other_customer_id, date(2026, 7, 1), customer_id),
        ]

    async def test_a_move_is_announced_under_the_new_holders_id(self, bus, client, customer_id, other_customer_id):
        await client.post(f"/v1/customers/{customer_id}/billing-accounts", json=link(effective_from="2026-01-01"))
        await client.post(f"/v1/customers/{other_customer_id}/billing-accounts", json=link(effective_from="2026-07-01"))

        envelopes = await bus.published(BillingAccountLinked.TYPE)

        assert [envelope.subject for envelope in envelopes] == [customer_id, other_customer_id]

    async def test_a_move_on_the_current_effective_date_is_a_conflict(
        self, bus, client, customer_id, other_customer_id
    ):
        await client.post(f"/v1/customers/{customer_id}/billing-accounts", json=link(effective_from="2026-07-01"))

        response = await client.post(
            f"/v1/customers/{other_customer_id}/billing-accounts", json=link(effective_from="2026-07-01")
        )

        assert response.status_code == 409, response.text
        assert response.json()["errors"][0]["field"] == "effective_from"
        assert len(await bus.published(BillingAccountLinked.TYPE)) == 1

    async def test_a_move_back_in_time_is_a_conflict_and_the_account_stays_with_its_holder(
        self, client, customer_id, other_customer_id
    ):
        await client.post(f"/v1/customers/{customer_id}/billing-accounts", json=link(effective_from="2026-07-01"))

        response = await client.post(
            f"/v1/customers/{other_customer_id}/billing-accounts", json=link(effective_from="2026-03-01")
        )
        retry = await client.post(
            f"/v1/customers/{customer_id}/billing-accounts", json=link(effective_from="2026-07-01")
        )

        assert response.status_code == 409
        assert retry.status_code == 200
        assert retry.json()["customer_id"] == customer_id

    async def test_an_account_can_move_back_to_its_first_holder_later_on(
        self, bus, client, customer_id, other_customer_id
    ):
        await client.post(f"/v1/customers/{customer_id}/billing-accounts", json=link(effective_from="2026-01-01"))
        await client.post(f"/v1/customers/{other_customer_id}/billing-accounts", json=link(effective_from="2026-04-01"))

        response = await client.post(
            f"/v1/customers/{customer_id}/billing-accounts", json=link(effective_from="2026-09-01")
        )

        assert response.status_code == 201, response.text
        assert response.json()["previous_customer_id"] == other_customer_id
        assert len(await bus.published(BillingAccountLinked.TYPE)) == 3


class TestConcurrentLinks:
    async def test_simultaneous_first_links_of_one_account_leave_one_holder(
        self, bus, client, customer_id, other_customer_id
    ):
        responses = await asyncio.gather(
            *(
                client.post(f"/v1/customers/{holder}/billing-accounts", json=link(effective_from="2026-07-01"))
                for holder in (customer_id, other_customer_id, customer_id, other_customer_id)
            )
        )

        statuses = sorted(response.status_code for response in responses)
        assert statuses == [200, 201, 409, 409], [response.text for response in responses]
        [linked] = [response.json() for response in responses if response.status_code == 201]
        assert len(await bus.published(BillingAccountLinked.TYPE)) == 1
        [unchanged] = [response.json() for response in responses if response.status_code == 200]
        assert unchanged["customer_id"] == linked["customer_id"]
