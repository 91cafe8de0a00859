"""Customer groups by their head, the whole group's revenue rolled up along parents from customer.group_changed."""

import csv
import io
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from kam_shared.events.catalog import CustomerGroupChanged

from .conftest import registered, revenue_updated, tier_changed  # noqa: TID252

T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def moved(customer_id: str, parent_id: str | None, minutes: int = 0) -> CustomerGroupChanged:
    return CustomerGroupChanged(
        customer_id=customer_id, parent_id=parent_id, changed_at=T0 + timedelta(minutes=minutes)
    )


async def report(client: httpx.AsyncClient, **params: str) -> dict:
    response = await client.get("/v1/reports/groups", params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
async def groups(bus) -> None:
    """Harbour (B100) heads S1 and S2, S1 heads S1a; Rail (B200) heads R1; Lone stands alone."""
    await bus.publish(
        registered("harbour", full_name="Harbour Group"),
        registered("s1"),
        registered("s2"),
        registered("s1a"),
        registered("rail", branch="B200", full_name="Rail Group"),
        registered("r1", branch="B200"),
        registered("lone"),
        moved("s1", "harbour"),
        moved("s2", "harbour"),
        moved("s1a", "s1"),
        moved("r1", "rail"),
        tier_changed("harbour", "gold", sequence=1),
        revenue_updated("harbour", 100_000, sequence=1),
        revenue_updated("s1", 20_000, sequence=1),
        revenue_updated("s1a", 3_000, sequence=1),
        revenue_updated("s2", 400_000, sequence=1),
        revenue_updated("rail", 50_000, sequence=1),
        revenue_updated("r1", 50_000, sequence=1),
        revenue_updated("lone", 9_999_999, sequence=1),
    )
    await bus.settled()


async def test_each_group_sums_its_head_and_every_subsidiary_below_it_the_largest_first(client, groups):
    body = await report(client)

    assert body["currency"] == "CNY" and body["total_groups"] == 2
    assert body["groups"] == [
        {
            "head_id": "harbour",
            "full_name": "Harbour Group",
            "branch": "B100",
            "tier": "gold",
            "members": 4,
            "depth": 2,
            "own_revenue_12m_minor": 100_000,
            "revenue_12m_minor": 523_000,
            "share_of_group": 0.1912,
        },
        {
            "head_id": "rail",
            "full_name": "Rail Group",
            "branch": "B200",
            "tier": "standard",
            "members": 2,
            "depth": 1,
            "own_revenue_12m_minor": 50_000,
            "revenue_12m_minor": 100_000,
            "share_of_group": 0.5,
        },
    ]


async def test_a_branch_and_a_limit_narrow_the_list_and_the_count_covers_the_branch(client, groups):
    assert [line["head_id"] for line in (await report(client, branch="B200"))["groups"]] == ["rail"]
    limited = await report(client, limit="1")
    assert [line["head_id"] for line in limited["groups"]] == ["harbour"] and limited["total_groups"] == 2


async def test_a_subsidiary_that_leaves_heads_its_own_group_and_an_older_change_arriving_late_changes_nothing(
    bus, client, groups
):
    await bus.publish(moved("s1", None, minutes=10))
    await bus.publish(moved("s1", "harbour", minutes=5))
    await bus.settled()

    lines = {line["head_id"]: line for line in (await report(client))["groups"]}
    assert (lines["harbour"]["members"], lines["harbour"]["revenue_12m_minor"]) == (2, 500_000)
    assert (lines["s1"]["members"], lines["s1"]["revenue_12m_minor"]) == (2, 23_000)


async def test_a_loop_held_for_a_moment_counts_in_no_group_and_nothing_twice(bus, client, groups):
    # The registry made: rail's r1 left, then rail joined under r1; seen here before r1 left.
    await bus.publish(moved("rail", "r1", minutes=10))
    await bus.settled()

    body = await report(client)

    assert [line["head_id"] for line in body["groups"]] == ["harbour"]


async def test_the_csv_has_a_row_per_group_in_minor_units(client, groups):
    response = await client.get("/v1/reports/groups", params={"format": "csv"})

    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:3] == ["head_id", "full_name", "branch"]
    assert rows[1] == ["harbour", "Harbour Group", "B100", "gold", "4", "2", "100000", "523000", "CNY", "0.1912"]
    assert len(rows) == 3


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "501"}, {"branch": ""}, {"format": "xml"}])
async def test_bad_parameters_are_422(client, params):
    assert (await client.get("/v1/reports/groups", params=params)).status_code == 422
