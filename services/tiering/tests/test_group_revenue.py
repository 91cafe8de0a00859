"""A parent's revenue rolled up over its whole group, as the registry's customer.group_changed events place it."""

from datetime import UTC, datetime, timedelta

import pytest

from kam_shared.events.catalog import CustomerGroupChanged

from .conftest import billing, registered, yuan  # noqa: TID252

T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def charge(billing_id: str, customer_id: str, amount: str, posted_on: str) -> dict:
    return billing(billing_id, customer_id=customer_id, account_no=None, amount_minor=yuan(amount), posted_on=posted_on)


def moved(customer_id: str, parent_id: str | None, minutes: int = 0, previous: str | None = None):
    return CustomerGroupChanged(
        customer_id=customer_id,
        parent_id=parent_id,
        previous_parent_id=previous,
        changed_at=T0 + timedelta(minutes=minutes),
    )


@pytest.fixture(autouse=True)
async def customers(bus) -> None:
    """P heads a group: S1 and S2 under it, S1a under S1. X stands alone."""
    for customer_id in ("P", "S1", "S2", "S1a", "X"):
        await bus.publish(registered(customer_id))
    await bus.publish(moved("S1", "P"), moved("S2", "P"), moved("S1a", "S1"))
    await bus.settled()


async def group_revenue(client, customer_id: str, **query) -> dict:
    response = await client.get(f"/v1/customers/{customer_id}/group-revenue", params=query)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_parent_s_revenue_sums_itself_and_every_subsidiary_below_it_month_by_month(client, post_billing):
    await post_billing(
        charge("B-1", "P", "100.00", "2026-10-03"),
        charge("B-2", "S1", "20.00", "2026-10-04"),
        charge("B-3", "S1a", "3.00", "2026-11-05"),
        charge("B-4", "S2", "400.00", "2026-11-06"),
        charge("B-5", "X", "9999.00", "2026-11-06"),
    )

    group = await group_revenue(client, "P", **{"from": "2026-10", "to": "2026-11"})

    assert [(month["month"], month["amount_minor"], month["lines"]) for month in group["months"]] == [
        ("2026-10", yuan("120.00"), 2),
        ("2026-11", yuan("403.00"), 2),
    ]
    assert (group["total_minor"], group["member_count"], group["currency"]) == (yuan("523.00"), 4, "CNY")
    assert [(m["customer_id"], m["parent_id"], m["depth"], m["total_minor"]) for m in group["members"]] == [
        ("S2", "P", 1, yuan("400.00")),
        ("P", None, 0, yuan("100.00")),
        ("S1", "P", 1, yuan("20.00")),
        ("S1a", "S1", 2, yuan("3.00")),
    ]
    # A subsidiary's group is its own part of the tree.
    assert (await group_revenue(client, "S1", **{"from": "2026-10", "to": "2026-11"}))["total_minor"] == yuan("23.00")
    assert (await group_revenue(client, "X"))["member_count"] == 1


async def test_a_subsidiary_that_leaves_takes_its_revenue_and_its_own_subsidiaries_with_it(bus, client, post_billing):
    await post_billing(charge("B-1", "S1", "20.00", "2026-11-04"), charge("B-2", "S1a", "3.00", "2026-11-05"))

    await bus.publish(moved("S1", None, minutes=5, previous="P"))
    await bus.settled()

    group = await group_revenue(client, "P")
    assert (group["total_minor"], group["member_count"]) == (0, 2)
    assert (await group_revenue(client, "S1"))["total_minor"] == yuan("23.00")


async def test_an_older_change_arriving_late_changes_nothing(bus, client):
    await bus.publish(moved("S2", "X", minutes=10, previous="P"))
    await bus.publish(moved("S2", None, minutes=5, previous="P"))
    await bus.settled()

    assert {m["customer_id"] for m in (await group_revenue(client, "X"))["members"]} == {"X", "S2"}
    assert (await group_revenue(client, "P"))["member_count"] == 3


async def test_a_loop_held_for_a_moment_while_changes_cross_counts_each_member_once(bus, client, post_billing):
    # Made in the registry as: S1 leaves P, then P joins under S1; seen here in the other order.
    await post_billing(charge("B-1", "P", "100.00", "2026-11-03"), charge("B-2", "S1", "20.00", "2026-11-04"))
    await bus.publish(moved("P", "S1", minutes=10))
    await bus.settled()

    group = await group_revenue(client, "P")

    assert group["member_count"] == 4
    assert group["total_minor"] == yuan("120.00")


async def test_the_members_listed_are_capped_by_limit_and_the_sums_still_cover_all(client, post_billing):
    await post_billing(charge("B-1", "S2", "5.00", "2026-11-04"), charge("B-2", "S1a", "3.00", "2026-11-05"))

    group = await group_revenue(client, "P", limit="1")

    assert [m["customer_id"] for m in group["members"]] == ["S2"]
    assert (group["member_count"], group["total_minor"]) == (4, yuan("8.00"))


@pytest.mark.parametrize(
    ("query", "field"),
    [({"limit": "0"}, "limit"), ({"limit": "501"}, "limit"), ({"from": "1999-12"}, "from"), ({"to": "2026-13"}, "to")],
)
async def test_bad_parameters_are_422_naming_the_field(client, query, field):
    response = await client.get("/v1/customers/P/group-revenue", params=query)

    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]


async def test_a_customer_the_registry_never_announced_is_404(client):
    assert (await client.get("/v1/customers/nobody/group-revenue")).status_code == 404
