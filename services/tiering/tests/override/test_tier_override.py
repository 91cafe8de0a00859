"""A manager's tier override wins until it expires or is lifted, is announced like any tier change, and is
audited. The clock stands at 2026-11-20 (Asia/Shanghai)."""

from datetime import timedelta

import pytest

from kam_shared.db import transaction
from kam_shared.events.catalog import TierChanged
from kam_tiering.override.service import expire_overrides

from ..conftest import billing, registered, yuan  # noqa: TID252

PATH = "/v1/customers/{}/tier-override"


@pytest.fixture
async def customer(bus) -> str:
    await bus.publish(registered("C-1"))
    await bus.settled()
    return "C-1"


@pytest.fixture
def override(client):
    async def put(customer_id: str, **body) -> dict:
        body = {"tier": "platinum", "reason": "strategic bid in preparation", "expires_on": "2026-12-31"} | body
        response = await client.put(PATH.format(customer_id), json=body)
        assert response.status_code == 200, response.text
        return response.json()

    return put


@pytest.fixture
def expire(app, clock):
    runtime = app.state.runtime

    async def run(month: str) -> int:
        async with transaction(runtime.sessions) as session:
            return await expire_overrides(
                session, month=month, policy=app.state.policy, outbox=runtime.outbox, clock=clock
            )

    return run


async def changes(bus, customer_id: str) -> list[tuple[str, str, int, str]]:
    return [
        (event.old_tier, event.new_tier, event.sequence, event.reasons[0].rule)
        for event in (envelope.data for envelope in await bus.published(TierChanged.TYPE))
        if event.customer_id == customer_id
    ]


async def history(client, customer_id: str) -> list[tuple[str, str, str, int]]:
    response = await client.get(PATH.format(customer_id) + "/history")
    assert response.status_code == 200, response.text
    return [(entry["action"], entry["tier"], entry["by"], entry["sequence"]) for entry in response.json()["entries"]]


class TestApplying:
    async def test_the_override_wins_on_read_and_is_announced_with_the_next_sequence(
        self, customer, override, tier_of, bus, client
    ):
        before = await tier_of(customer)

        applied = await override(customer, tier="platinum", expires_on="2026-12-31")

        assert (applied["tier"], applied["set_by"], applied["expires_on"]) == ("platinum", "admin", "2026-12-31")
        tier = await tier_of(customer)
        assert tier["tier"] == "platinum"
        assert tier["reasons"][0] == {
            "rule": "override",
            "detail": "strategic bid in preparation",
            "figures": {"earned_tier": before["tier"], "expires_on": "2026-12-31", "set_by": "admin"},
        }
        assert await changes(bus, customer) == [("standard", "platinum", 2, "override")]
        assert await history(client, customer) == [("applied", "platinum", "admin", 2)]
        assert (await client.get(PATH.format(customer))).json()["tier"] == "platinum"

    async def test_a_promotion_earned_under_an_override_is_kept_quiet_until_the_override_ends(
        self, customer, override, tier_of, bus, client, post_billing
    ):
        await override(customer, tier="vip")

        await post_billing(billing("B-1", customer_id=customer, account_no=None, amount_minor=yuan("600,000.00")))

        assert (await tier_of(customer))["tier"] == "vip"
        assert await changes(bus, customer) == [("standard", "vip", 2, "override")]
        assert (await client.delete(PATH.format(customer))).status_code == 204
        assert (await tier_of(customer))["tier"] == "gold"
        # The billing's evaluation took sequence 3; lifting takes 4 and names the earned gold.
        assert await changes(bus, customer) == [
            ("standard", "vip", 2, "override"),
            ("vip", "gold", 4, "override-lifted"),
        ]


class TestEnding:
    async def test_an_override_expires_after_its_last_day_on_read_and_at_the_close(
        self, customer, override, tier_of, bus, client, clock, expire
    ):
        await override(customer, tier="gold", expires_on="2026-11-20")
        assert await expire("2026-10") == 0
        assert (await tier_of(customer))["tier"] == "gold"

        clock.advance(timedelta(days=1))

        assert (await tier_of(customer))["tier"] == "standard"
        assert (await client.get(PATH.format(customer))).status_code == 404
        assert await expire("2026-11") == 1
        assert await expire("2026-11") == 0
        assert await changes(bus, customer) == [
            ("standard", "gold", 2, "override"),
            ("gold", "standard", 3, "override-expired"),
        ]
        assert await history(client, customer) == [
            ("applied", "gold", "admin", 2),
            ("expired", "gold", "month-close", 3),
        ]

    async def test_lifting_ends_the_override_and_a_second_lift_finds_none(self, customer, override, client, bus):
        await override(customer, tier="strategic")
        await override(customer, tier="platinum", reason="bid lost, still a major account")

        assert (await client.delete(PATH.format(customer))).status_code == 204
        second = await client.delete(PATH.format(customer))

        assert second.status_code == 404
        assert await history(client, customer) == [
            ("applied", "strategic", "admin", 2),
            ("applied", "platinum", "admin", 3),
            ("lifted", "platinum", "admin", 4),
        ]
        assert [change[:2] for change in await changes(bus, customer)] == [
            ("standard", "strategic"),
            ("strategic", "platinum"),
            ("platinum", "standard"),
        ]


class TestRefusals:
    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"tier": "diamond"}, "tier"),
            ({"reason": ""}, "reason"),
            ({"expires_on": "2026-11-19"}, "expires_on"),
            ({"expires_on": "2101-01-01"}, "expires_on"),
            ({"expires_on": 20261231}, "expires_on"),
            ({"by": "someone else"}, "by"),
        ],
    )
    async def test_a_bad_override_is_refused_naming_the_field(self, customer, client, body, field):
        full = {"tier": "gold", "reason": "r", "expires_on": "2026-12-31"} | body
        response = await client.put(PATH.format(customer), json=full)

        assert response.status_code == 422, response.text
        assert [error["field"] for error in response.json()["errors"]] == [field]
        assert await history(client, customer) == []

    async def test_an_unknown_customer_has_no_override_and_no_history(self, client):
        body = {"tier": "gold", "reason": "r", "expires_on": "2026-12-31"}
        assert (await client.put(PATH.format("C-404"), json=body)).status_code == 404
        assert (await client.delete(PATH.format("C-404"))).status_code == 404
        assert (await client.get(PATH.format("C-404") + "/history")).status_code == 404
