"""A customer's accounts, an account's holders over time, and move-out: never two holders on one day."""

from datetime import date

from kam_shared.events.catalog import BillingAccountClosed, BillingAccountLinked

from .conftest import NOW  # noqa: TID252

ACCOUNT = "MS-350100-0001"


async def link(client, customer_id: str, effective_from: str, account_no: str = ACCOUNT):
    return await client.post(
        f"/v1/customers/{customer_id}/billing-accounts",
        json={"account_no": account_no, "effective_from": effective_from},
    )


async def move_out(client, customer_id: str, effective_on: str, account_no: str = ACCOUNT):
    return await client.post(
        f"/v1/customers/{customer_id}/billing-accounts/{account_no}/move-out", json={"effective_on": effective_on}
    )


class TestReadingAccounts:
    async def test_a_customer_lists_every_account_it_holds_or_held(self, client, customer_id, other_customer_id):
        await link(client, customer_id, "2026-01-01")
        await link(client, customer_id, "2026-02-01", account_no="MS-2")
        await link(client, other_customer_id, "2026-06-01")

        response = await client.get(f"/v1/customers/{customer_id}/billing-accounts")

        assert response.status_code == 200, response.text
        assert [
            (item["account_no"], item["effective_from"], item["effective_to"]) for item in response.json()["items"]
        ] == [
            (ACCOUNT, "2026-01-01", "2026-06-01"),
            ("MS-2", "2026-02-01", None),
        ]

    async def test_an_account_shows_its_holder_and_its_history_oldest_first(
        self, client, customer_id, other_customer_id
    ):
        await link(client, customer_id, "2026-01-01")
        await link(client, other_customer_id, "2026-06-01")

        response = await client.get(f"/v1/billing-accounts/{ACCOUNT}")

        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["customer_id"], body["effective_from"], body["closed_on"]) == (
            other_customer_id,
            "2026-06-01",
            None,
        )
        assert [(item["customer_id"], item["effective_from"], item["effective_to"]) for item in body["history"]] == [
            (customer_id, "2026-01-01", "2026-06-01"),
            (other_customer_id, "2026-06-01", None),
        ]

    async def test_an_account_number_with_a_slash_is_readable(self, client, customer_id):
        await link(client, customer_id, "2026-01-01", account_no="XM/2026/7")

        response = await client.get("/v1/billing-accounts/XM/2026/7")

        assert response.status_code == 200, response.text
        assert response.json()["account_no"] == "XM/2026/7"

    async def test_an_unknown_account_or_customer_is_404(self, client):
        assert (await client.get("/v1/billing-accounts/NOPE")).status_code == 404
        assert (await client.get("/v1/customers/nobody/billing-accounts")).status_code == 404


class TestMovingOut:
    async def test_a_move_out_ends_the_holding_and_is_announced(self, bus, client, customer_id):
        await link(client, customer_id, "2026-01-01")

        response = await move_out(client, customer_id, "2026-09-01")

        assert response.status_code == 200, response.text
        assert (response.json()["customer_id"], response.json()["closed_on"]) == (None, "2026-09-01")
        assert response.json()["history"][0]["effective_to"] == "2026-09-01"
        assert [envelope.data for envelope in await bus.published(BillingAccountClosed.TYPE)] == [
            BillingAccountClosed(
                customer_id=customer_id, account_no=ACCOUNT, effective_to=date(2026, 9, 1), closed_at=NOW
            )
        ]

    async def test_after_a_move_out_another_customer_may_take_the_account_from_that_day(
        self, bus, client, customer_id, other_customer_id
    ):
        await link(client, customer_id, "2026-01-01")
        await move_out(client, customer_id, "2026-09-01")

        response = await link(client, other_customer_id, "2026-09-01")

        assert response.status_code == 201, response.text
        history = (await client.get(f"/v1/billing-accounts/{ACCOUNT}")).json()["history"]
        assert [(item["effective_from"], item["effective_to"]) for item in history] == [
            ("2026-01-01", "2026-09-01"),
            ("2026-09-01", None),
        ]
        linked = [envelope.data for envelope in await bus.published(BillingAccountLinked.TYPE)]
        assert linked[-1].previous_customer_id == customer_id

    async def test_a_new_holder_before_the_move_out_day_is_409_and_changes_nothing(
        self, client, customer_id, other_customer_id
    ):
        await link(client, customer_id, "2026-01-01")
        await move_out(client, customer_id, "2026-09-01")

        response = await link(client, other_customer_id, "2026-08-31")

        assert response.status_code == 409, response.text
        assert response.json()["closed_on"] == "2026-09-01"
        body = (await client.get(f"/v1/billing-accounts/{ACCOUNT}")).json()
        assert (body["customer_id"], len(body["history"])) == (None, 1)

    async def test_a_move_out_on_or_before_the_holding_began_is_409(self, client, customer_id):
        await link(client, customer_id, "2026-01-01")

        response = await move_out(client, customer_id, "2026-01-01")

        assert response.status_code == 409
        assert (await client.get(f"/v1/billing-accounts/{ACCOUNT}")).json()["closed_on"] is None

    async def test_only_the_holder_can_move_out_and_only_once(self, client, customer_id, other_customer_id):
        await link(client, customer_id, "2026-01-01")

        assert (await move_out(client, other_customer_id, "2026-09-01")).status_code == 409
        assert (await move_out(client, customer_id, "2026-09-01")).status_code == 200
        assert (await move_out(client, customer_id, "2026-10-01")).status_code == 409

    async def test_a_move_out_date_outside_the_business_years_is_422(self, client, customer_id):
        await link(client, customer_id, "2026-01-01")

        response = await move_out(client, customer_id, "9999-01-01")

        assert response.status_code == 422
