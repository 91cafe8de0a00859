"""The desk's replica of the registry's staff follows their changes and their leaving, in the registry's order."""

import pytest

from kam_service_desk.routing.models import Staff


async def held(sessions, staff_id: str) -> Staff | None:
    async with sessions() as session:
        return await session.get(Staff, staff_id)


@pytest.fixture
async def gold(bus, events) -> str:
    await bus.deliver(
        events.registered("g-1", branch="BR07"),
        events.tier_changed("g-1", old="standard", new="gold", sequence=1),
        events.staff("am-a", level=1, org_unit="BR07"),
        events.staff("am-b", level=1, org_unit="BR07"),
        events.managers("g-1", a="am-a", b="am-b"),
    )
    return "g-1"


async def test_a_change_of_level_and_unit_is_held_with_its_sequence(bus, sessions, events):
    await bus.deliver(events.staff("s-1", level=1, org_unit="BR07"))

    await bus.deliver(events.staff_updated("s-1", level=2, org_unit="HQ", sequence=2))

    staff = await held(sessions, "s-1")
    assert (staff.level, staff.org_unit, staff.active, staff.sequence) == (2, "HQ", True, 2)


async def test_an_older_change_arriving_late_and_a_repeated_registration_change_nothing(bus, sessions, events):
    await bus.deliver(events.staff("s-1", level=1), events.staff_updated("s-1", level=3, sequence=3))

    await bus.deliver(events.staff_updated("s-1", level=2, sequence=2, active=False))
    await bus.deliver(events.staff("s-1", level=0, name="Someone Else"))

    staff = await held(sessions, "s-1")
    assert (staff.level, staff.active, staff.name, staff.sequence) == (3, True, "Li Wei", 3)


async def test_a_change_overtaking_the_registration_is_kept_and_the_registration_only_adds_its_time(
    bus, sessions, events
):
    await bus.deliver(events.staff_updated("s-1", level=2, sequence=2))
    await bus.deliver(events.staff("s-1", level=1))

    staff = await held(sessions, "s-1")
    assert (staff.level, staff.sequence) == (2, 2)


async def test_when_manager_a_has_left_a_new_ticket_goes_to_manager_b(desk, gold, bus, events):
    await bus.deliver(events.staff_updated("am-a", level=1, org_unit="BR07", sequence=2, active=False))

    ticket = await desk.open(gold, "repair")

    assert (ticket["level"], ticket["holder_id"]) == (1, "am-b")


async def test_an_escalation_skips_a_key_account_manager_who_has_left(desk, gold, bus, events):
    await bus.deliver(
        events.staff("kam-br07", level=2, org_unit="BR07"),
        events.staff("kam-hq", level=2, org_unit="HQ"),
        events.staff_updated("kam-br07", level=2, org_unit="BR07", sequence=2, active=False),
    )
    ticket = await desk.open(gold, "repair")

    escalated = await desk.act(ticket["id"], "escalate")

    assert (escalated["level"], escalated["holder_id"]) == (2, "kam-hq")


async def test_assigning_a_ticket_to_someone_who_has_left_is_a_422_naming_staff_id(desk, gold, bus, events):
    await bus.deliver(events.staff_updated("am-b", level=1, org_unit="BR07", sequence=2, active=False))
    ticket = await desk.open(gold, "repair")

    problem = await desk.act(ticket["id"], "assign", expect=422, staff_id="am-b")

    assert [error["field"] for error in problem["errors"]] == ["staff_id"]
    assert "has left" in problem["detail"]
    assert (await desk.get(ticket["id"]))["holder_id"] == "am-a"
