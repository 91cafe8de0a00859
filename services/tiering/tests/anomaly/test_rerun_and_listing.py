"""Closing a month again recomputes its anomalies from the ledger and announces only what changed;
GET /v1/anomalies lists them page by page."""

from sqlalchemy import update

from kam_shared.db import transaction
from kam_tiering.billing.models import MonthlyRevenue

monthly = MonthlyRevenue.__table__


async def set_amount(app, customer_id: str, month: str, amount_minor: int) -> None:
    async with transaction(app.state.runtime.sessions) as session:
        await session.execute(
            update(monthly)
            .where(monthly.c.customer_id == customer_id, monthly.c.month == month)
            .values(amount_minor=amount_minor)
        )


class TestRunningAgain:
    async def test_a_second_run_gives_the_same_anomalies_and_no_new_events(self, ledger, detect, found, announced):
        await ledger(
            "XM01",
            {"C-DROP": {"2026-09": 1_000, "2026-10": 100}, "C-GONE": {"2026-09": 1_000}},
            tiers={"C-DROP": "gold"},
        )

        assert await detect("2026-10") == 2
        first_list, first_events = await found("2026-10"), await announced()
        assert await detect("2026-10") == 0

        assert await found("2026-10") == first_list
        assert await announced() == first_events
        assert [(event.customer_id, event.kind, event.revision) for event in first_events] == [
            ("C-DROP", "sharp_drop", 1),
            ("C-GONE", "dormant", 1),
        ]
        drop = first_events[0]
        assert (drop.month, drop.branch, drop.tier, drop.owner_role) == ("2026-10", "XM01", "gold", "branch_manager")
        assert drop.figures["month_minor"] == 100

    async def test_late_billing_revises_an_anomaly_and_withdraws_one_it_no_longer_shows_announcing_it_once(
        self, app, ledger, detect, found, announced, withdrawals
    ):
        await ledger(
            "XM01",
            {"C-DROP": {"2026-09": 1_000, "2026-10": 100}, "C-SMALL": {"2026-09": 1_000, "2026-10": 400}},
        )
        await detect("2026-10")

        await set_amount(app, "C-DROP", "2026-10", 200)
        await set_amount(app, "C-SMALL", "2026-10", 900)
        assert await detect("2026-10") == 1

        anomalies = await found("2026-10")
        assert list(anomalies) == [("C-DROP", "sharp_drop")]
        drop = anomalies[("C-DROP", "sharp_drop")]
        assert (drop["revision"], drop["figures"]["month_minor"]) == (2, 200)
        revised = [(event.customer_id, event.revision) for event in await announced()]
        assert revised == [("C-DROP", 1), ("C-SMALL", 1), ("C-DROP", 2)]
        withdrawn = [(event.customer_id, event.kind, event.revision) for event in await withdrawals()]
        assert withdrawn == [("C-SMALL", "sharp_drop", 1)]
        await detect("2026-10")
        assert len(await withdrawals()) == 1

    async def test_an_anomaly_that_comes_back_after_being_withdrawn_is_announced_again(
        self, app, ledger, detect, announced
    ):
        await ledger("XM01", {"C-1": {"2026-09": 1_000, "2026-10": 100}})
        await detect("2026-10")
        await set_amount(app, "C-1", "2026-10", 900)
        await detect("2026-10")

        await set_amount(app, "C-1", "2026-10", 100)
        assert await detect("2026-10") == 1

        assert [event.revision for event in await announced()] == [1, 2]


class TestListing:
    async def test_pages_follow_the_cursor_and_filters_narrow_by_branch_and_kind(self, client, ledger, detect):
        drop = {"2026-09": 1_000, "2026-10": 100}
        await ledger("XM01", {f"C-{n}": drop for n in range(5)})
        await ledger("XM02", {"D-1": drop, "D-2": {"2026-09": 1_000}})
        await detect("2026-10")

        seen, cursor = [], None
        while True:
            params = {"month": "2026-10", "limit": 2} | ({"cursor": cursor} if cursor else {})
            page = (await client.get("/v1/anomalies", params=params)).json()
            seen.extend((item["customer_id"], item["kind"]) for item in page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == [(f"C-{n}", "sharp_drop") for n in range(5)] + [("D-1", "sharp_drop"), ("D-2", "dormant")]

        narrowed = await client.get("/v1/anomalies", params={"month": "2026-10", "branch": "XM02", "kind": "dormant"})
        assert [item["customer_id"] for item in narrowed.json()["items"]] == ["D-2"]
        assert (await client.get("/v1/anomalies", params={"month": "2026-11"})).json() == {
            "items": [],
            "next_cursor": None,
        }

    async def test_a_bad_month_kind_limit_or_cursor_is_refused_naming_the_parameter(self, client):
        for params, field in [
            ({}, "month"),
            ({"month": "2026-13"}, "month"),
            ({"month": "1999-12"}, "month"),
            ({"month": "2026-10", "kind": "slump"}, "kind"),
            ({"month": "2026-10", "limit": 0}, "limit"),
            ({"month": "2026-10", "cursor": "not-a-cursor"}, "cursor"),
        ]:
            response = await client.get("/v1/anomalies", params=params)
            assert response.status_code == 422, params
            assert [error["field"] for error in response.json()["errors"]] == [field], params
