from datetime import datetime, timedelta

import pytest


def at(ticket: dict, field: str) -> datetime:
    return datetime.fromisoformat(ticket[field])


def kinds(ticket: dict) -> list[str]:
    return [entry["kind"] for entry in ticket["timeline"]]


@pytest.fixture
async def customer(bus, events) -> str:
    await bus.deliver(events.registered("c-1"), events.tier_changed("c-1", old="vip", new="standard", sequence=1))
    return "c-1"


async def test_acknowledging_meets_the_first_response(desk, customer, clock):
    ticket = await desk.open(customer)
    clock.advance(timedelta(minutes=20))

    acknowledged = await desk.act(ticket["id"], "acknowledge")

    assert acknowledged["status"] == "acknowledged"
    assert at(acknowledged, "first_responded_at") == clock.now()
    assert kinds(acknowledged) == ["opened", "acknowledge"]
    assert acknowledged["timeline"][-1]["details"] == {"first_response_met": True}
    # Only the resolution runs now.
    assert at(acknowledged, "next_deadline_at") < at(acknowledged, "resolution_due_at")
    assert at(acknowledged, "next_deadline_at") > at(acknowledged, "first_response_due_at")


# (actions that bring a new ticket to the status, the action then refused)
@pytest.mark.parametrize(
    ("before", "refused"),
    [
        ([], "pause"),
        ([], "resume"),
        ([], "close"),
        ([], "reopen"),
        (["acknowledge"], "acknowledge"),
        (["acknowledge"], "resume"),
        (["acknowledge", "pause"], "pause"),
        (["acknowledge", "pause"], "acknowledge"),
        (["resolve"], "resolve"),
        (["resolve"], "pause"),
        (["resolve"], "escalate"),
        (["resolve", "close"], "reopen"),
        (["resolve", "close"], "close"),
        (["resolve", "close"], "comment"),
    ],
)
async def test_an_action_the_status_does_not_allow_is_refused_with_409(desk, customer, before, refused):
    ticket = await desk.open(customer)
    for action in before:
        await desk.act(ticket["id"], action)
    status = (await desk.get(ticket["id"]))["status"]

    response = await desk.client.post(f"/v1/tickets/{ticket['id']}/actions", json={"action": refused, "note": "x"})

    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["type"].endswith("invalid-transition")
    assert problem["ticket_status"] == status and problem["action"] == refused
    after = await desk.get(ticket["id"])
    assert after["status"] == status and len(after["timeline"]) == len(before) + 1


async def test_a_pause_stops_the_resolution_clock_and_resume_gives_back_what_it_had(desk, customer, clock, sla_step):
    # Standard complaint opened Monday 10:00 in Shanghai: 72 business hours, due Thursday of the next week 10:00.
    ticket = await desk.open(customer)
    due = at(ticket, "resolution_due_at")
    assert due == datetime.fromisoformat("2026-03-12T10:00+08:00")
    await desk.act(ticket["id"], "acknowledge")
    clock.advance(timedelta(hours=1))  # Monday 11:00
    paused = await desk.act(ticket["id"], "pause", note="waiting for the customer's delivery notes")
    assert paused["status"] == "paused" and paused["next_deadline_at"] is None

    # Past the original due time nothing happens: the clock is stopped.
    clock.set(due + timedelta(hours=1))
    assert await sla_step() == 0
    assert not (await desk.get(ticket["id"]))["breached"]

    # Resumed Thursday 2026-03-12 11:00: the 71 business hours left run from there.
    resumed = await desk.act(ticket["id"], "resume")

    assert resumed["status"] == "acknowledged"
    # Thu 11-18 (7), Fri (16), Mon..Fri of the next week (61), Mon 23rd (70), then 1 h of Tuesday the 24th.
    assert at(resumed, "resolution_due_at") == datetime.fromisoformat("2026-03-24T10:00+08:00")
    assert resumed["stopped_s"] == int((clock.now() - datetime.fromisoformat("2026-03-02T11:00+08:00")).total_seconds())
    details = resumed["timeline"][-1]["details"]
    assert details["stopped_clock_s"] == 8 * 9 * 3600  # eight working days stood still, 03-02 11:00 .. 03-12 11:00
    assert kinds(resumed) == ["opened", "acknowledge", "pause", "resume"]


async def test_resolving_sends_ticket_resolved_with_elapsed_and_stopped_time(desk, customer, clock, bus):
    ticket = await desk.open(customer)
    await desk.act(ticket["id"], "acknowledge")
    await desk.act(ticket["id"], "pause")
    clock.advance(timedelta(minutes=30))
    await desk.act(ticket["id"], "resume")
    clock.advance(timedelta(minutes=15))

    resolved = await desk.act(ticket["id"], "resolve", note="parcels now go to reception")

    assert resolved["status"] == "resolved" and at(resolved, "resolved_at") == clock.now()
    assert resolved["next_deadline_at"] is None
    [event] = await bus.published("ticket.resolved")
    assert (event.data.elapsed_s, event.data.stopped_s) == (45 * 60, 30 * 60)
    assert event.data.first_response_met and event.data.resolution_met


async def test_closing_a_resolved_ticket_sends_ticket_closed(desk, customer, bus):
    ticket = await desk.open(customer)
    await desk.act(ticket["id"], "resolve")

    closed = await desk.act(ticket["id"], "close")

    assert closed["status"] == "closed" and closed["closed_at"] is not None
    [event] = await bus.published("ticket.closed")
    assert event.data.ticket_id == ticket["id"]


async def test_reopening_runs_the_resolution_again_one_level_up(desk, customer, clock, bus):
    ticket = await desk.open(customer)
    await desk.act(ticket["id"], "resolve")
    clock.advance(timedelta(hours=1))  # Monday 11:00

    reopened = await desk.act(ticket["id"], "reopen", note="the customer is not satisfied")

    assert (reopened["status"], reopened["level"]) == ("acknowledged", 1)
    # 72 business hours from Monday 11:00: Friday of the next week, 11:00.
    assert at(reopened, "resolution_due_at") == datetime.fromisoformat("2026-03-12T11:00+08:00")
    assert kinds(reopened)[-2:] == ["reopen", "escalated"]
    [event] = await bus.published("ticket.escalated")
    assert (event.data.from_level, event.data.to_level, event.data.reason) == (0, 1, "reopened")


async def test_assigning_names_who_holds_the_ticket(desk, customer, bus, events):
    await bus.deliver(events.staff("s-9", level=0))
    ticket = await desk.open(customer)

    assigned = await desk.act(ticket["id"], "assign", staff_id="s-9")

    assert assigned["holder_id"] == "s-9"
    assert assigned["timeline"][-1]["details"] == {"from_holder_id": None, "holder_id": "s-9"}


async def test_assigning_to_someone_the_desk_does_not_know_is_a_422_naming_staff_id(desk, customer):
    ticket = await desk.open(customer)

    problem = await desk.act(ticket["id"], "assign", expect=422, staff_id="nobody")

    assert [error["field"] for error in problem["errors"]] == ["staff_id"]


async def test_escalating_by_hand_stops_at_the_top_level(desk, customer, bus):
    ticket = await desk.open(customer)
    for level in (1, 2, 3):
        escalated = await desk.act(ticket["id"], "escalate", note="the customer called the director")
        assert escalated["level"] == level

    problem = await desk.act(ticket["id"], "escalate", expect=409)

    assert problem["type"].endswith("at-top-level")
    reasons = [event.data.reason for event in await bus.published("ticket.escalated")]
    assert reasons == ["requested"] * 3


async def test_a_comment_is_kept_on_the_timeline(desk, customer):
    ticket = await desk.open(customer)

    commented = await desk.act(ticket["id"], "comment", note="called back, no answer")

    assert commented["status"] == "open"
    assert commented["timeline"][-1] == {
        "kind": "comment",
        "at": commented["timeline"][-1]["at"],
        "details": {"note": "called back, no answer"},
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "delete"}, "action"),
        ({}, "action"),
        ({"action": 7}, "action"),
        ({"action": "assign"}, "body"),
        ({"action": "acknowledge", "staff_id": "s-1"}, "body"),
        ({"action": "comment"}, "body"),
        ({"action": "comment", "note": "x" * 2001}, "note"),
        ({"action": "assign", "staff_id": "s" * 37}, "staff_id"),
        ({"action": "acknowledge", "by": "me"}, "by"),
    ],
)
async def test_a_body_that_is_no_action_is_a_422_naming_what_is_wrong(desk, customer, body, field):
    ticket = await desk.open(customer)

    response = await desk.client.post(f"/v1/tickets/{ticket['id']}/actions", json=body)

    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize("ticket_id", ["no-such-ticket", "x" * 36])
async def test_an_action_on_a_ticket_never_opened_is_a_404(desk, ticket_id):
    response = await desk.client.post(f"/v1/tickets/{ticket_id}/actions", json={"action": "acknowledge"})

    assert response.status_code == 404


async def test_an_overlong_ticket_id_is_a_422(desk):
    response = await desk.client.post(f"/v1/tickets/{'x' * 37}/actions", json={"action": "acknowledge"})

    assert response.status_code == 422
