from sqlalchemy import func, select

from kam_service_desk.customer.models import Customer
from kam_service_desk.tables import messaging
from kam_shared.testing import eventually


async def replica(sessions, customer_id: str) -> Customer | None:
    async with sessions() as session:
        return await session.get(Customer, customer_id)


async def test_a_registered_customer_joins_the_replica_at_standard_tier(bus, sessions, events):
    await bus.deliver(events.registered("c-1", full_name="Harbour Logistics", branch="BR07"))

    customer = await replica(sessions, "c-1")
    assert (customer.full_name, customer.branch, customer.tier, customer.tier_sequence) == (
        "Harbour Logistics",
        "BR07",
        "standard",
        None,
    )


async def test_a_tier_change_is_stored_with_its_sequence(bus, sessions, events):
    await bus.deliver(events.registered("c-1"), events.tier_changed("c-1", old="standard", new="gold", sequence=3))

    customer = await replica(sessions, "c-1")
    assert (customer.tier, customer.tier_sequence) == ("gold", 3)


async def test_an_older_tier_change_arriving_late_changes_nothing(bus, sessions, events):
    await bus.deliver(events.registered("c-1"), events.tier_changed("c-1", old="gold", new="platinum", sequence=5))

    await bus.deliver(events.tier_changed("c-1", old="standard", new="gold", sequence=4))

    customer = await replica(sessions, "c-1")
    assert (customer.tier, customer.tier_sequence) == ("platinum", 5)


async def test_a_tier_change_with_the_stored_sequence_changes_nothing(bus, sessions, events):
    await bus.deliver(events.registered("c-1"), events.tier_changed("c-1", old="standard", new="vip", sequence=2))

    await bus.deliver(events.tier_changed("c-1", old="standard", new="gold", sequence=2))

    assert (await replica(sessions, "c-1")).tier == "vip"


async def test_the_same_event_delivered_twice_is_applied_once(bus, sessions, events):
    await bus.deliver(events.registered("c-1"))
    change = bus.wrap(events.tier_changed("c-1", old="standard", new="gold", sequence=1))

    await bus.deliver(change)
    await bus.deliver(change)

    async with sessions() as session:
        inbox = messaging.inbox
        claimed = (
            await session.execute(select(func.count()).select_from(inbox).where(inbox.c.event_id == change.id))
        ).scalar_one()
    assert claimed == 1
    assert (await replica(sessions, "c-1")).tier_sequence == 1


async def test_a_customer_known_only_from_a_tier_change_is_not_served(bus, client, events):
    await bus.deliver(events.tier_changed("c-9", old="standard", new="platinum", sequence=1))

    level = await client.get("/v1/customers/c-9/service-level")
    body = {"customer_id": "c-9", "type": "repair", "channel": "web", "subject": "s", "description": "d"}
    ticket = await client.post("/v1/tickets", json=body)

    assert level.status_code == 404
    assert ticket.status_code == 409


async def test_a_tier_change_arriving_before_the_registration_is_applied_when_it_arrives(bus, client, events):
    await bus.deliver(events.tier_changed("c-9", old="standard", new="platinum", sequence=1))

    await bus.deliver(events.registered("c-9", full_name="Riverside Power Supply", branch="BR02"))

    level = (await client.get("/v1/customers/c-9/service-level")).json()
    assert (level["tier"], level["priority"]) == ("platinum", "urgent")
    clocks = {terms["type"]: terms["clock"] for terms in level["terms"]}
    assert clocks == {
        "complaint": "business",
        "change_request": "business",
        "repair": "24x7",
        "billing_dispute": "business",
        "inquiry": "business",
    }


async def test_tier_changes_held_for_a_registration_keep_the_sequence_rule(bus, client, sessions, events):
    await bus.deliver(events.tier_changed("c-9", old="gold", new="platinum", sequence=2))
    await bus.deliver(events.tier_changed("c-9", old="standard", new="gold", sequence=1))

    await bus.deliver(events.registered("c-9"))

    assert (await client.get("/v1/customers/c-9/service-level")).json()["tier"] == "platinum"
    assert (await replica(sessions, "c-9")).tier_sequence == 2


async def test_a_tier_change_after_the_registration_is_applied_at_once(bus, client, events):
    await bus.deliver(events.registered("c-9"))

    await bus.deliver(events.tier_changed("c-9", old="standard", new="gold", sequence=1))

    assert (await client.get("/v1/customers/c-9/service-level")).json()["tier"] == "gold"


async def test_events_published_on_the_bus_reach_the_replica(bus, sessions, events):
    await bus.publish(events.registered("c-5"), events.tier_changed("c-5", old="standard", new="vip", sequence=1))

    async def replicated_as_vip() -> Customer | None:
        customer = await replica(sessions, "c-5")
        return customer if customer is not None and customer.tier == "vip" else None

    customer = await eventually(replicated_as_vip, what="c-5 in the replica as vip")
    assert (customer.full_name, customer.tier) == ("Harbour Logistics Co., Ltd.", "vip")


class TestProfileUpdates:
    async def test_an_update_after_the_registration_replaces_name_and_branch(self, bus, sessions, events):
        await bus.deliver(events.registered("c-1", full_name="Harbour Logistics", branch="BR07"))

        await bus.deliver(events.updated("c-1", full_name="Harbour Freight", branch="BR02", sequence=2))

        customer = await replica(sessions, "c-1")
        assert (customer.full_name, customer.branch, customer.profile_sequence) == ("Harbour Freight", "BR02", 2)

    async def test_an_update_overtaking_the_registration_is_kept_and_the_registration_changes_nothing(
        self, bus, client, sessions, events
    ):
        await bus.deliver(events.updated("c-1", full_name="Harbour Freight", branch="BR02", sequence=2))

        await bus.deliver(events.registered("c-1", full_name="Harbour Logistics", branch="BR07"))

        customer = await replica(sessions, "c-1")
        assert (customer.full_name, customer.branch, customer.profile_sequence) == ("Harbour Freight", "BR02", 2)
        assert (await client.get("/v1/customers/c-1/service-level")).status_code == 200

    async def test_a_stale_update_changes_nothing(self, bus, sessions, events):
        await bus.deliver(
            events.registered("c-1"),
            events.updated("c-1", full_name="Third Name", branch="BR03", sequence=3),
        )

        await bus.deliver(events.updated("c-1", full_name="Second Name", branch="BR02", sequence=2))

        customer = await replica(sessions, "c-1")
        assert (customer.full_name, customer.branch, customer.profile_sequence) == ("Third Name", "BR03", 3)

    async def test_an_update_delivered_again_after_a_newer_one_changes_nothing(self, bus, sessions, events):
        await bus.deliver(events.registered("c-1"))
        update = bus.wrap(events.updated("c-1", full_name="Second Name", branch="BR02", sequence=2))
        await bus.deliver(update, events.updated("c-1", full_name="Third Name", branch="BR03", sequence=3))

        await bus.deliver(update)

        customer = await replica(sessions, "c-1")
        assert (customer.full_name, customer.branch, customer.profile_sequence) == ("Third Name", "BR03", 3)

    async def test_an_update_keeps_the_tier_the_replica_holds(self, bus, sessions, events):
        await bus.deliver(events.registered("c-1"), events.tier_changed("c-1", old="standard", new="gold", sequence=1))

        await bus.deliver(events.updated("c-1", full_name="Harbour Freight", branch="BR02", sequence=2))

        customer = await replica(sessions, "c-1")
        assert (customer.tier, customer.tier_sequence, customer.full_name) == ("gold", 1, "Harbour Freight")
