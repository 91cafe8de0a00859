"""Corrections take from one charge of the same account and customer, never more than remains of it, and count in
the charge's month; one that arrives before its charge waits, visible, and counts when the charge arrives."""

import pytest

from kam_shared.events.catalog import Topics

from .conftest import billing, posted, registered, yuan  # noqa: TID252


@pytest.fixture(autouse=True)
async def customers(bus) -> None:
    await bus.publish(registered("C-1"), registered("C-2"))
    await bus.settled()


def charge(billing_id: str, amount: str, posted_on: str = "2026-10-10", **fields) -> dict:
    """Billing that names customer C-1 (unless told otherwise) and no account."""
    named = {"customer_id": "C-1", "account_no": None, **fields}
    return billing(billing_id, amount_minor=yuan(amount), posted_on=posted_on, **named)


def correction(billing_id: str, of: str, amount: str, posted_on: str = "2026-11-03", **fields) -> dict:
    return charge(billing_id, f"-{amount}", posted_on, corrects_billing_id=of, **fields)


async def waiting(client) -> list[dict]:
    response = await client.get("/v1/billing/waiting")
    assert response.status_code == 200, response.text
    return response.json()


def dead_letter_details(bus) -> list[bytes]:
    return [
        dict(letter.headers)["kam_dlq_detail"] for letter in bus.transport.records(Topics.dead_letter(Topics.BILLING))
    ]


class TestOverRest:
    async def test_corrections_may_take_together_no_more_than_their_charge(self, post_billing, revenue_of):
        await post_billing(charge("B-1", "100.00"), correction("B-1-a", "B-1", "60.00"))

        result = await post_billing(correction("B-1-b", "B-1", "50.00"), correction("B-1-c", "B-1", "40.00"))

        assert result["accepted"] == 1
        [rejection] = result["rejected"]
        assert (rejection["index"], rejection["billing_id"]) == (0, "B-1-b")
        assert rejection["reason"] == "amount_minor: the correction takes 5000; only 4000 remains of B-1"
        assert await revenue_of("C-1") == {}
        assert (await revenue_of("C-1", **{"from": "2026-10", "to": "2026-10"})) == {}

    async def test_a_correction_of_another_customers_charge_is_rejected(self, post_billing, revenue_of):
        await post_billing(charge("B-1", "100.00"))

        result = await post_billing(correction("B-1-fix", "B-1", "10.00", customer_id="C-2"))

        assert result["rejected"][0]["reason"] == "customer_id: the correction names C-2; B-1 counts for customer C-1"
        assert await revenue_of("C-1") == {"2026-10": yuan("100.00")}

    async def test_a_correction_posted_to_another_account_is_rejected(self, post_billing):
        await post_billing(billing("B-1", account_no="MS-0001"))

        result = await post_billing(
            billing("B-1-fix", account_no="MS-0002", amount_minor=-1, corrects_billing_id="B-1")
        )

        assert result["rejected"][0]["reason"].startswith("account_no: the correction is posted to MS-0002")

    async def test_a_correction_of_a_correction_is_rejected(self, post_billing):
        await post_billing(charge("B-1", "100.00"), correction("B-1-a", "B-1", "10.00"))

        result = await post_billing(correction("B-1-b", "B-1-a", "1.00"))

        assert result["rejected"][0]["reason"] == "corrects_billing_id: B-1-a is itself a correction, not a charge"

    async def test_a_positive_correction_is_rejected(self, post_billing):
        result = await post_billing(charge("B-1", "100.00"), charge("B-2", "5.00", corrects_billing_id="B-1"))

        assert "its amount_minor must be negative" in result["rejected"][0]["reason"]

    async def test_a_correction_whose_charge_has_not_arrived_waits_then_counts_in_the_charges_month(
        self, client, post_billing, revenue_of
    ):
        await post_billing(correction("B-1-fix", "B-1", "30.00"))
        assert await revenue_of("C-1") == {}
        [group] = await waiting(client)
        assert (group["reason"], group["customer_id"], group["lines"], group["amount_minor"]) == (
            "charge-not-arrived",
            "C-1",
            1,
            -yuan("30.00"),
        )

        await post_billing(charge("B-1", "100.00", "2026-09-15"))

        assert await revenue_of("C-1") == {"2026-09": yuan("70.00")}
        assert await waiting(client) == []

    async def test_waiting_corrections_count_only_as_far_as_their_charge_goes_and_no_month_goes_negative(
        self, client, post_billing, revenue_of
    ):
        await post_billing(
            correction("B-1-a", "B-1", "80.00", "2026-11-01"), correction("B-1-b", "B-1", "30.00", "2026-11-02")
        )

        await post_billing(charge("B-1", "100.00"))

        assert await revenue_of("C-1") == {"2026-10": yuan("20.00")}
        [group] = await waiting(client)
        assert (group["reason"], group["amount_minor"]) == ("refused-by-charge", -yuan("30.00"))


class TestFromTheBus:
    @pytest.mark.parametrize(
        ("fix", "detail"),
        [
            ({"amount_minor": -yuan("100.01")}, b"only 10000 remains of B-1"),
            ({"account_no": "MS-0002", "customer_id": None}, b"the correction is posted to MS-0002"),
            ({"customer_id": "C-2"}, b"the correction names C-2; B-1 counts for customer C-1"),
            ({"corrects_billing_id": "B-1-a"}, b"B-1-a is itself a correction, not a charge"),
        ],
        ids=["more than remains", "other account", "other customer", "of a correction"],
    )
    async def test_a_correction_its_charge_cannot_take_is_dead_lettered(self, bus, revenue_of, fix, detail):
        await bus.publish(
            posted("B-1", customer_id="C-1", account_no="MS-0001", amount_minor=yuan("110.00")),
            posted(
                "B-1-a", customer_id="C-1", account_no="MS-0001", amount_minor=-yuan("10.00"), corrects_billing_id="B-1"
            ),
        )
        await bus.settled()

        fields = {"customer_id": "C-1", "account_no": "MS-0001", "amount_minor": -100, "corrects_billing_id": "B-1"}
        await bus.publish(posted("B-1-b", **{**fields, **fix}))
        await bus.settled()

        [letter] = dead_letter_details(bus)
        assert detail in letter
        assert await revenue_of("C-1") == {"2026-11": yuan("100.00")}

    async def test_a_correction_arriving_before_its_charge_waits_and_then_counts_in_the_charges_month(
        self, bus, client, revenue_of
    ):
        await bus.publish(
            posted(
                "B-1-fix", customer_id="C-1", account_no=None, amount_minor=-yuan("40.00"), corrects_billing_id="B-1"
            )
        )
        await bus.settled()
        assert [group["reason"] for group in await waiting(client)] == ["charge-not-arrived"]

        await bus.publish(
            posted("B-1", customer_id="C-1", account_no=None, amount_minor=yuan("100.00"), posted_on="2026-08-01")
        )
        await bus.settled()

        assert await revenue_of("C-1", **{"from": "2026-01"}) == {"2026-08": yuan("60.00")}
        assert await waiting(client) == []
        assert dead_letter_details(bus) == []

    async def test_a_correction_in_the_same_batch_before_its_charge_counts(self, bus, revenue_of):
        await bus.publish(
            posted(
                "B-1-fix", customer_id="C-1", account_no=None, amount_minor=-yuan("40.00"), corrects_billing_id="B-1"
            ),
            posted("B-1", customer_id="C-1", account_no=None, amount_minor=yuan("100.00")),
        )
        await bus.settled()

        assert await revenue_of("C-1") == {"2026-11": yuan("60.00")}
