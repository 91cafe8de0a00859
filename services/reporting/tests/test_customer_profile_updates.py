from datetime import timedelta

from sqlalchemy import select

from kam_reporting.customer_view.repository import customer_view

from .conftest import NOW, registered, tier_changed, updated  # noqa: TID252

PROFILE = ("full_name", "branch", "county", "industry", "important", "potential", "profile_sequence")


async def view_of(app, customer_id: str) -> dict:
    async with app.state.runtime.sessions() as session:
        row = (await session.execute(select(customer_view).where(customer_view.c.customer_id == customer_id))).one()
    return dict(row._mapping)


def profile(row: dict) -> tuple:
    return tuple(row[name] for name in PROFILE)


CHANGED = {"full_name": "Renamed Ltd", "branch": "B200", "county": "Gongshu", "industry": "logistics"}


class TestCustomerUpdated:
    async def test_an_update_after_the_registration_replaces_the_profile(self, app, bus):
        await bus.deliver(registered("c1"))

        await bus.deliver(updated("c1", sequence=2, important=True, potential=True, **CHANGED))

        row = await view_of(app, "c1")
        assert profile(row) == ("Renamed Ltd", "B200", "Gongshu", "logistics", True, True, 2)
        assert row["registered_at"] == NOW

    async def test_an_update_overtaking_the_registration_is_kept_and_counts_the_customer(self, app, client, bus):
        await bus.deliver(updated("c1", sequence=2, important=True, **CHANGED))

        await bus.deliver(registered("c1", branch="B100", full_name="Old Name"))

        row = await view_of(app, "c1")
        assert profile(row) == ("Renamed Ltd", "B200", "Gongshu", "logistics", True, False, 2)
        response = await client.get("/v1/reports/tiers", params={"branch": "B200"})
        assert response.json()["totals"]["customers"] == 1

    async def test_a_registration_arriving_after_an_update_still_tells_when_the_customer_joined(self, app, bus):
        joined = registered("c1").model_copy(update={"registered_at": NOW - timedelta(days=3)})
        await bus.deliver(updated("c1", sequence=2, **CHANGED))

        await bus.deliver(joined)

        assert (await view_of(app, "c1"))["registered_at"] == NOW - timedelta(days=3)

    async def test_a_stale_update_changes_nothing(self, app, bus):
        await bus.deliver(registered("c1"), updated("c1", sequence=3, **CHANGED))

        await bus.deliver(updated("c1", sequence=2, full_name="Older Name", branch="B900", important=True))

        assert profile(await view_of(app, "c1")) == ("Renamed Ltd", "B200", "Gongshu", "logistics", False, False, 3)

    async def test_an_update_delivered_again_after_a_newer_one_changes_nothing(self, app, bus):
        await bus.deliver(registered("c1"))
        first = bus.wrap(updated("c1", sequence=2, full_name="Second Name"))
        await bus.deliver(first, updated("c1", sequence=3, full_name="Third Name"))

        await bus.deliver(first)

        assert (await view_of(app, "c1"))["full_name"] == "Third Name"

    async def test_several_updates_in_one_batch_keep_the_newest(self, app, bus):
        await bus.deliver(registered("c1"))

        await bus.deliver(
            updated("c1", sequence=3, full_name="Third Name"),
            updated("c1", sequence=4, full_name="Fourth Name"),
            updated("c1", sequence=2, full_name="Second Name"),
        )

        row = await view_of(app, "c1")
        assert (row["full_name"], row["profile_sequence"]) == ("Fourth Name", 4)

    async def test_an_update_keeps_the_tier_the_view_holds(self, app, client, bus):
        await bus.deliver(registered("c1"), tier_changed("c1", "gold", sequence=1))

        await bus.deliver(updated("c1", sequence=2, branch="B200"))

        response = await client.get("/v1/reports/tiers", params={"branch": "B200"})
        assert {line["tier"]: line["customers"] for line in response.json()["tiers"]}["gold"] == 1
