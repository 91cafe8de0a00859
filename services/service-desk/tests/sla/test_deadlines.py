"""Warnings, breaches and escalation as the scheduler finds them, on a clock the tests move."""

from datetime import datetime, timedelta

import pytest

from kam_service_desk.sla.scheduler import SlaScheduler


def at(ticket: dict, field: str) -> datetime:
    return datetime.fromisoformat(ticket[field])


@pytest.fixture
async def gold(bus, events) -> str:
    await bus.deliver(events.registered("g-1"), events.tier_changed("g-1", old="standard", new="gold", sequence=1))
    return "g-1"


@pytest.fixture
async def standard(bus, events) -> str:
    await bus.deliver(
        events.registered("s-1", branch="BR07"),
        events.tier_changed("s-1", old="vip", new="standard", sequence=1),
        events.managers("s-1", a=None, b="am-b"),
        events.staff("kam-hq", level=2, org_unit="HQ"),
        events.staff("kam-br07", level=2, org_unit="BR07"),
        events.staff("head", level=3, org_unit="HQ"),
    )
    return "s-1"


async def test_the_warning_goes_out_at_exactly_80_percent_of_the_first_response(desk, gold, clock, sla_step, bus):
    # A Gold fault runs 24x7: 2 h to the first response, so the warning is due 96 minutes after it was received.
    ticket = await desk.open(gold, "repair")
    assert at(ticket, "next_deadline_at") == clock.now() + timedelta(minutes=96)

    clock.advance(timedelta(minutes=96) - timedelta(seconds=1))
    assert await sla_step() == 0
    clock.advance(timedelta(seconds=1))
    assert await sla_step() == 1

    [warning] = await bus.published("ticket.sla_warned")
    assert (warning.data.target, warning.data.due_at) == ("first_response", at(ticket, "first_response_due_at"))
    after = await desk.get(ticket["id"])
    assert [entry["kind"] for entry in after["timeline"]] == ["opened", "sla_warned"]
    assert not after["breached"] and after["level"] == 1
    # The next deadline is the first response itself.
    assert at(after, "next_deadline_at") == at(ticket, "first_response_due_at")
    assert await sla_step() == 0


async def test_a_business_hours_warning_falls_at_80_percent_of_working_time(desk, gold, clock, sla_step):
    # A Gold inquiry opened Monday 17:00 in Shanghai: 2 business hours, 96 minutes of them are Mon 17:00-18:00
    # and Tue 09:00-09:36.
    clock.set(datetime.fromisoformat("2026-03-02T17:00+08:00"))
    ticket = await desk.open(gold, "inquiry")

    assert at(ticket, "next_deadline_at") == datetime.fromisoformat("2026-03-03T09:36+08:00")
    assert at(ticket, "first_response_due_at") == datetime.fromisoformat("2026-03-03T10:00+08:00")


async def test_successive_breaches_escalate_from_the_service_centre_to_the_marketing_head(
    desk, standard, clock, sla_step, bus
):
    # A Standard fault starts at the service centre (level 0); 24x7, 8 h to respond, 72 h to resolve.
    ticket = await desk.open(standard, "repair")
    received = at(ticket, "received_at")
    assert (ticket["level"], ticket["holder_id"]) == (0, None)

    levels = []
    for hours in (8, 72, 144, 216):
        clock.set(received + timedelta(hours=hours))
        await sla_step()
        now = await desk.get(ticket["id"])
        levels.append((now["level"], now["holder_id"]))

    # Level 1: manager B as there is no A; level 2: the key-account manager of the customer's branch; 3: the head.
    assert levels == [(1, "am-b"), (2, "kam-br07"), (3, "head"), (3, "head")]
    escalations = [(e.data.from_level, e.data.to_level, e.data.reason) for e in await bus.published("ticket.escalated")]
    assert escalations == [(0, 1, "first_response_missed"), (1, 2, "resolution_missed"), (2, 3, "resolution_missed")]
    breaches = [(e.data.target, e.data.due_at - received) for e in await bus.published("ticket.sla_breached")]
    assert breaches == [
        ("first_response", timedelta(hours=8)),
        ("resolution", timedelta(hours=72)),
        ("resolution", timedelta(hours=144)),
        ("resolution", timedelta(hours=216)),
    ]
    final = await desk.get(ticket["id"])
    assert final["breached"] and final["next_deadline_at"] is None


async def test_a_gold_fault_received_30_hours_ago_is_escalated_at_once_on_opening(desk, gold, clock, bus):
    received = clock.now() - timedelta(hours=30)

    ticket = await desk.open(gold, "repair", channel="fax", received_at=received.isoformat())

    # Gold faults start at level 1 (green channel); the 24 h resolution was missed 6 h ago: level 2, and the
    # fresh target of level 2 runs 24 h from the one missed.
    assert ticket["level"] == 2 and ticket["breached"]
    assert at(ticket, "resolution_due_at") == received + timedelta(hours=48)
    kinds = [entry["kind"] for entry in ticket["timeline"]]
    assert kinds == ["opened", "sla_warned", "sla_breached", "sla_warned", "sla_breached", "escalated"]
    [escalation] = await bus.published("ticket.escalated")
    assert (escalation.data.from_level, escalation.data.to_level) == (1, 2)


async def test_the_scheduler_takes_only_the_tickets_whose_deadline_has_come(desk, gold, clock, sla_step):
    soon = await desk.open(gold, "repair")
    clock.advance(timedelta(minutes=30))
    later = await desk.open(gold, "repair")

    clock.set(at(soon, "next_deadline_at"))

    assert await sla_step() == 1
    assert [e["kind"] for e in (await desk.get(soon["id"]))["timeline"]][-1] == "sla_warned"
    assert [e["kind"] for e in (await desk.get(later["id"]))["timeline"]] == ["opened"]


async def test_acknowledging_in_time_leaves_nothing_to_breach(desk, gold, clock, sla_step, bus):
    ticket = await desk.open(gold, "repair")
    clock.advance(timedelta(minutes=30))
    await desk.act(ticket["id"], "acknowledge")

    clock.advance(timedelta(hours=2))
    await sla_step()

    assert await bus.published("ticket.sla_breached") == []
    assert (await desk.get(ticket["id"]))["level"] == 1


async def test_an_action_after_a_missed_target_records_the_miss_first(desk, gold, clock):
    ticket = await desk.open(gold, "repair")
    clock.advance(timedelta(hours=3))

    acknowledged = await desk.act(ticket["id"], "acknowledge")

    kinds = [entry["kind"] for entry in acknowledged["timeline"]]
    assert kinds == ["opened", "sla_warned", "sla_breached", "acknowledge"]
    assert acknowledged["timeline"][-1]["details"] == {"first_response_met": False}


async def test_a_batch_smaller_than_the_due_tickets_still_takes_them_all(app, desk, gold, clock):
    tickets = [await desk.open(gold, "repair") for _ in range(3)]
    clock.advance(timedelta(hours=1, minutes=36))
    scheduler = SlaScheduler(app.state.runtime, interval_s=1, batch_size=2)
    try:
        assert await scheduler.run_once() == 3
    finally:
        await scheduler.stand_down()
    for ticket in tickets:
        assert [e["kind"] for e in (await desk.get(ticket["id"]))["timeline"]][-1] == "sla_warned"


async def test_level_1_is_held_by_manager_a_as_the_registry_last_assigned_it(desk, bus, events):
    later, earlier = events.managers("v-1", a="am-new"), events.managers("v-1", a="am-old")
    earlier = earlier.model_copy(update={"assigned_at": later.assigned_at - timedelta(days=1)})
    await bus.deliver(
        events.registered("v-1"),
        events.tier_changed("v-1", old="standard", new="vip", sequence=1),
        later,
        earlier,  # arrives late: changes nothing
    )

    ticket = await desk.open("v-1", "complaint")  # VIP complaint: green channel, straight to level 1

    assert (ticket["level"], ticket["holder_id"]) == (1, "am-new")


async def test_only_one_replica_runs_the_scheduler_at_a_time(app, desk, gold, clock):
    if app.state.runtime.engine.dialect.name != "postgresql":
        pytest.skip("the lease is a PostgreSQL advisory lock; an embedded database has one process")
    ticket = await desk.open(gold, "repair")
    clock.set(datetime.fromisoformat(ticket["next_deadline_at"]))
    first, second = (SlaScheduler(app.state.runtime, interval_s=1, batch_size=10) for _ in range(2))
    try:
        assert await first.run_once() == 1
        clock.set(datetime.fromisoformat(ticket["first_response_due_at"]))
        assert await second.run_once() == 0  # the first still holds the lease
        await first.stand_down()
        assert await second.run_once() == 1
    finally:
        await first.stand_down()
        await second.stand_down()
