from datetime import date

from .conftest import registered, revenue_updated, tier_changed  # noqa: TID252


async def tiers(client, **params: str) -> dict[str, tuple[int, int]]:
    response = await client.get("/v1/reports/tiers", params=params)
    assert response.status_code == 200, response.text
    return {line["tier"]: (line["customers"], line["revenue_12m_minor"]) for line in response.json()["tiers"]}


class TestOutOfOrderEvents:
    async def test_a_stale_tier_change_changes_nothing(self, client, bus):
        await bus.publish(registered("c1"), tier_changed("c1", "gold", sequence=5))
        await bus.settled()

        await bus.publish(tier_changed("c1", "vip", sequence=4), tier_changed("c1", "platinum", sequence=5))
        await bus.settled()

        counted = await tiers(client)
        assert counted["gold"][0] == 1
        assert counted["vip"][0] == counted["platinum"][0] == 0

    async def test_a_stale_revenue_update_changes_nothing(self, client, bus):
        await bus.publish(registered("c1"), revenue_updated("c1", 5_000, sequence=3))
        await bus.settled()

        await bus.publish(revenue_updated("c1", 9_999, sequence=2, as_of=date(2026, 12, 1)))
        await bus.settled()

        response = await client.get("/v1/reports/tiers")
        assert response.json()["totals"] == {"customers": 1, "revenue_12m_minor": 5_000}
        assert response.json()["as_of"] == "2026-11-19"

    async def test_a_newer_tier_change_replaces_the_older_one(self, client, bus):
        await bus.publish(
            registered("c1"), tier_changed("c1", "gold", sequence=1), tier_changed("c1", "vip", sequence=2)
        )
        await bus.settled()

        counted = await tiers(client)
        assert counted["vip"][0] == 1 and counted["gold"][0] == 0


class TestCustomersNotYetRegistered:
    async def test_a_customer_known_only_from_tiering_is_not_counted(self, client, bus):
        await bus.publish(tier_changed("c1", "platinum", sequence=1), revenue_updated("c1", 7_000, sequence=1))
        await bus.settled()

        response = await client.get("/v1/reports/tiers")
        assert response.json()["totals"] == {"customers": 0, "revenue_12m_minor": 0}

    async def test_a_tier_change_before_the_registration_is_applied_when_it_arrives(self, client, bus):
        await bus.publish(tier_changed("c1", "platinum", sequence=1), revenue_updated("c1", 7_000, sequence=1))
        await bus.settled()

        await bus.publish(registered("c1", branch="B300"))
        await bus.settled()

        assert (await tiers(client, branch="B300"))["platinum"] == (1, 7_000), "registration keeps the tier and revenue"

    async def test_tier_changes_held_for_a_registration_keep_the_sequence_rule(self, client, bus):
        await bus.deliver(tier_changed("c1", "platinum", sequence=2))
        await bus.deliver(tier_changed("c1", "gold", sequence=1))

        await bus.deliver(registered("c1"))

        counted = await tiers(client)
        assert counted["platinum"][0] == 1 and counted["gold"][0] == 0

    async def test_a_tier_change_after_the_registration_is_applied_at_once(self, client, bus):
        await bus.deliver(registered("c1"))

        await bus.deliver(tier_changed("c1", "vip", sequence=1))

        assert (await tiers(client))["vip"][0] == 1

    async def test_revenue_before_the_registration_counts_once_it_arrives_as_standard(self, client, bus):
        await bus.publish(revenue_updated("c1", 4_200, sequence=1))
        await bus.settled()
        assert (await tiers(client))["standard"] == (0, 0)

        await bus.publish(registered("c1"))
        await bus.settled()

        assert (await tiers(client))["standard"] == (1, 4_200)


class TestDuplicates:
    async def test_the_same_event_delivered_twice_counts_once(self, client, bus):
        registration = bus.wrap(registered("c1"))
        revenue = bus.wrap(revenue_updated("c1", 1_500, sequence=1))

        await bus.publish(registration, revenue, registration)
        await bus.settled()
        await bus.publish(revenue, registration)
        await bus.settled()

        response = await client.get("/v1/reports/tiers")
        assert response.json()["totals"] == {"customers": 1, "revenue_12m_minor": 1_500}

    async def test_several_changes_for_one_customer_in_one_batch_keep_the_newest(self, client, bus):
        await bus.deliver(
            tier_changed("c1", "gold", sequence=2),
            tier_changed("c1", "platinum", sequence=3),
            tier_changed("c1", "vip", sequence=1),
            registered("c1", full_name="First name"),
            registered("c1", full_name="Second name"),
        )

        counted = await tiers(client)
        assert counted["platinum"][0] == 1
        assert sum(customers for customers, _revenue in counted.values()) == 1
