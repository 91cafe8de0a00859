"""Absurd report filters are refused with a 422, never a server error (PostgreSQL cannot compare with NUL)."""

import pytest

from .conftest import registered  # noqa: TID252


@pytest.mark.parametrize("branch", ["B\x00100", "\x00", "B\n100", "x" * 10_000, ""])
@pytest.mark.parametrize("output", ["json", "csv"])
async def test_an_absurd_branch_is_refused(client, branch, output):
    response = await client.get("/v1/reports/tiers", params={"branch": branch, "format": output})

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "branch"


async def test_a_branch_in_any_script_is_reported(client, bus):
    await bus.deliver(registered("c1", branch="厦门分公司"))

    response = await client.get("/v1/reports/tiers", params={"branch": "厦门分公司"})

    assert response.status_code == 200, response.text
    assert response.json()["totals"]["customers"] == 1
