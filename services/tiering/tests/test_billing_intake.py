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


class TestStrictTypes:
    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("amount_minor", True),
            ("amount_minor", "200"),
            ("amount_minor", 100.0),
            ("items", "3"),
            ("items", False),
            ("posted_on", 20261110),
            ("posted_on", "2026-11-10T00:00:00Z"),
            ("posted_on", "2026-11-10T00:00:00-10:00"),
            ("account_no", 1001),
            ("customer_id", 7),
            ("currency", ["CNY"]),
        ],
        ids=[
            "amount true",
            "amount as text",
            "amount as a float",
            "items as text",
            "items false",
            "date as a number",
            "date as an instant",
            "date as an instant with an offset",
            "account as a number",
            "customer as a number",
            "currency as a list",
        ],
    )
    async def test_a_value_of_the_wrong_json_type_is_rejected_not_coerced(self, client, field, value):
        response = await post(client, billing("B-1"), billing("B-X", **{field: value}), billing("B-2"))

        assert response.status_code == 202, response.text
        result = response.json()
        assert (result["accepted"], result["duplicates"]) == (2, 0)
        [rejection] = result["rejected"]
        assert (rejection["index"], rejection["billing_id"]) == (1, "B-X")
        assert rejection["reason"].startswith(f"{field}: ")

    @pytest.mark.parametrize("billing_id", [42, ["B-1"], {"id": "B-1"}, None, "x" * 129, "", "B\x07-1"], ids=repr)
    async def test_a_billing_id_that_is_not_a_short_string_rejects_only_its_own_event(self, client, billing_id):
        bad = {**billing("B-X"), "billing_id": billing_id}

        response = await post(client, billing("B-1"), bad, billing("B-2"))

        assert response.status_code == 202, response.text
        result = response.json()
        assert result["accepted"] == 2
        [rejection] = result["rejected"]
        assert (rejection["index"], rejection["billing_id"]) == (1, None)
        assert rejection["reason"].startswith("billing_id: ")

    async def test_an_amount_coerced_nowhere_reaches_the_ledger_as_posted(self, bus, post_billing, revenue_of):
        await bus.publish(registered("C-1"))

        result = await post_billing(
            billing("B-1", customer_id="C-1", account_no=None, amount_minor="200"),
            billing("B-2", customer_id="C-1", account_no=None, amount_minor=yuan("5.00")),
        )

        assert result["accepted"] == 1
        assert await revenue_of("C-1") == {"2026-11": yuan("5.00")}

    @pytest.mark.parametrize("posted_on", ["1999-12-31", "0001-01-01"])
    async def test_a_posting_date_before_2000_is_rejected(self, client, posted_on):
        response = await post(client, billing("B-X", posted_on=posted_on))

        [rejection] = response.json()["rejected"]
        assert rejection["reason"].startswith("posted_on: ")

    @pytest.mark.parametrize("account_no", ["MS 0001", "-MS-0001", "MS#1", "账户1"])
    async def test_an_account_number_the_registry_could_not_link_is_rejected(self, client, account_no):
        response = await post(client, billing("B-X", account_no=account_no))

        [rejection] = response.json()["rejected"]
        assert rejection["reason"].startswith("account_no: ")


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
    async def test_more_than_a_thousand_events_in_one_request_are_refused_without_echoing_them(self, client):
        response = await post(client, *(billing(f"B-{index}", business_line="echo-me") for index in range(1001)))

        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert "echo-me" not in response.text

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


class TestTheDocumentedContract:
    async def test_the_openapi_document_describes_each_billing_event_and_the_error_statuses(self, client):
        document = (await client.get("/openapi.json")).json()
        operation = document["paths"]["/v1/billing-events"]["post"]
        body_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        batch = document["components"]["schemas"][body_ref.rsplit("/", 1)[1]]
        item = batch["properties"]["events"]["items"]

        assert {"billing_id", "account_no", "customer_id", "amount_minor", "posted_on", "corrects_billing_id"} <= set(
            item["properties"]
        )
        assert set(item["required"]) == {"billing_id", "amount_minor", "currency", "business_line", "posted_on"}
        assert item["additionalProperties"] is False
        assert item["examples"][0]["billing_id"]
        assert batch["properties"]["events"]["maxItems"] == 1000
        assert {"202", "401", "422"} <= set(operation["responses"])
        assert "application/problem+json" in operation["responses"]["422"]["content"]


class TestRejectionsEchoNoInput:
    async def test_an_unknown_field_is_named_cut_short(self, client):
        key = "k" * 200_000

        response = await post(client, {**billing("B-1"), key: 1})

        [rejection] = response.json()["rejected"]
        assert rejection["billing_id"] == "B-1"
        assert rejection["reason"].startswith("kkkk")
        assert len(rejection["reason"]) < 300
        assert len(response.content) < 1_000

    @pytest.mark.parametrize(
        "written",
        [
            "3F2504E0-4F89-11D3-9A0C-0305E82C3301",
            "3f2504e0-4f89-11d3-9A0C-0305e82c3301",
            "3f2504e04f8911d39a0c0305e82c3301",
        ],
    )
    async def test_a_customer_id_written_unlike_the_registry_writes_it_is_rejected_with_its_form(self, client, written):
        response = await post(client, billing("B-1", account_no=None, customer_id=written))

        [rejection] = response.json()["rejected"]
        assert rejection["reason"] == (
            "customer_id: write the customer id as the registry issued it: 3f2504e0-4f89-11d3-9a0c-0305e82c3301"
        )
