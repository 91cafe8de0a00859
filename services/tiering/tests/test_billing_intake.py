"""Posting billing over REST: each event is accepted, a duplicate, or rejected with its index and reason."""

import httpx
import pytest

from .conftest import billing, posted, registered, yuan  # noqa: TID252


async def post(client: httpx.AsyncClient, *events) -> httpx.Response:
    return await client.post("/v1/billing-events", json={"events": list(events)})


class TestAcceptingABatch:
    async def test_valid_events_are_accepted(self, client):
        response = await post(client, billing("B-1"), billing("B-2", customer_id="C-1", account_no=None))

        assert response.status_code == 202, response.text
        assert response.json() == {"accepted": 2, "duplicates": 0, "rejected": []}

    async def test_an_event_posted_up_to_a_day_ahead_is_accepted(self, client):
        response = await post(client, billing("B-1", posted_on="2026-11-21"))

        assert response.json() == {"accepted": 1, "duplicates": 0, "rejected": []}

    async def test_a_correction_may_be_negative_when_it_names_the_charge_it_corrects(self, client):
        response = await post(client, billing("B-1"), billing("B-2", amount_minor=-5000, corrects_billing_id="B-1"))

        assert response.json() == {"accepted": 2, "duplicates": 0, "rejected": []}


class TestRejectedEvents:
    @pytest.mark.parametrize(
        ("event", "reason"),
        [
            (billing("B-X", currency="USD"), "currency: USD is not accepted; this ledger keeps CNY"),
            (billing("B-X", amount_minor=-100), "a negative amount is a correction and must name corrects_billing_id"),
            (billing("B-X", posted_on="2026-11-22"), "posted_on: 2026-11-22 lies in the future"),
            (billing("B-X", account_no=None), "give account_no or customer_id"),
            (billing("B-X", amount_minor="a lot"), "amount_minor"),
            (billing("B-X", items=-1), "items"),
            (billing("B-X", posted_on="20 November"), "posted_on"),
            (billing("B-X", currency="cny"), "currency"),
            (billing("B-X", surcharge=12), "surcharge"),
            (billing("B-X", amount_minor=-100, corrects_billing_id="B-X"), "a correction cannot correct itself"),
            (billing("B-X", amount_minor=10**19), "amount_minor: Input should be less than or equal to"),
            (billing("B-X", business_line="x" * 51), "business_line: String should have at most 50 characters"),
            (billing("B-X", account_no="A" * 65), "account_no: String should have at most 64 characters"),
        ],
        ids=[
            "other currency",
            "negative without correction",
            "future",
            "no account or customer",
            "amount not a number",
            "negative items",
            "not a date",
            "lower-case currency",
            "unknown field",
            "self correction",
            "amount beyond any real charge",
            "business line longer than the ledger keeps",
            "account number longer than the ledger keeps",
        ],
    )
    async def test_an_invalid_event_is_rejected_with_its_index_and_reason(self, client, event, reason):
        response = await post(client, billing("B-1"), event, billing("B-2"))

        assert response.status_code == 202, response.text
        result = response.json()
        assert (result["accepted"], result["duplicates"]) == (2, 0)
        [rejection] = result["rejected"]
        assert (rejection["index"], rejection["billing_id"]) == (1, "B-X")
        assert reason in rejection["reason"]

    async def test_an_event_that_is_not_an_object_is_rejected_by_index(self, client):
        response = await post(client, "B-1", 42, billing("B-2"))

        result = response.json()
        assert result["accepted"] == 1
        rejected = [(rejection["index"], rejection["billing_id"]) for rejection in result["rejected"]]
        assert rejected == [(0, None), (1, None)]

    async def test_rejected_events_do_not_count_and_leave_their_billing_id_free(self, bus, post_billing, revenue_of):
        await bus.publish(registered("C-1"))
        await post_billing(billing("B-1", customer_id="C-1", account_no=None, currency="EUR"))

        await post_billing(billing("B-1", customer_id="C-1", account_no=None, amount_minor=yuan("250.00")))

        assert await revenue_of("C-1") == {"2026-11": yuan("250.00")}


class TestDuplicates:
    async def test_the_same_batch_posted_twice_is_all_duplicates_and_changes_no_figure(
        self, client, bus, post_billing, revenue_of
    ):
        await bus.publish(registered("C-1"))
        batch = [
            billing("B-1", customer_id="C-1", account_no=None, amount_minor=yuan("700.00"), posted_on="2026-10-03"),
            billing("B-2", customer_id="C-1", account_no=None, amount_minor=yuan("300.00")),
        ]
        first = await post_billing(*batch)
        before = await revenue_of("C-1")

        second = await post_billing(*batch)

        assert first == {"accepted": 2, "duplicates": 0, "rejected": []}
        assert second == {"accepted": 0, "duplicates": 2, "rejected": []}
        assert before == {"2026-10": yuan("700.00"), "2026-11": yuan("300.00")}
        assert await revenue_of("C-1") == before

    async def test_a_billing_id_repeated_within_one_request_counts_once(self, bus, post_billing, revenue_of):
        await bus.publish(registered("C-1"))
        charge = billing("B-1", customer_id="C-1", account_no=None, amount_minor=yuan("100.00"))

        result = await post_billing(charge, charge)

        assert result == {"accepted": 1, "duplicates": 1, "rejected": []}
        assert await revenue_of("C-1") == {"2026-11": yuan("100.00")}

    async def test_a_billing_id_first_seen_on_the_bus_is_a_duplicate_over_rest(self, bus, post_billing, revenue_of):
        await bus.publish(registered("C-1"))
        await bus.publish(posted("B-1", customer_id="C-1", account_no=None))
        await bus.settled()

        result = await post_billing(billing("B-1", customer_id="C-1", account_no=None))

        assert result == {"accepted": 0, "duplicates": 1, "rejected": []}
        assert await revenue_of("C-1") == {"2026-11": yuan("100.00")}


class TestRefusedRequests:
    async def test_more_than_a_thousand_events_in_one_request_are_refused(self, client):
        response = await post(client, *(billing(f"B-{index}") for index in range(1001)))

        assert response.status_code == 422

    async def test_a_thousand_events_in_one_request_are_taken(self, client):
        response = await post(client, *(billing(f"B-{index}") for index in range(1000)))

        assert response.status_code == 202
        assert response.json()["accepted"] == 1000

    async def test_an_empty_batch_is_refused(self, client):
        assert (await post(client)).status_code == 422

    async def test_a_request_without_an_api_key_is_unauthorized(self, app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as anonymous:
            response = await anonymous.post("/v1/billing-events", json={"events": [billing("B-1")]})

        assert response.status_code == 401
