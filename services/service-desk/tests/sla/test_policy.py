import json
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from itertools import pairwise

import pytest

from kam_service_desk.sla.policy import (
    Priority,
    ServicePolicy,
    current,
    due_times,
    initial_level,
    is_higher,
    load,
    priority_for,
)

RECEIVED = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tier", "first_response_hours", "resolution_hours"),
    [("strategic", 1, 4), ("platinum", 1, 4), ("gold", 2, 24), ("vip", 4, 48), ("standard", 8, 72)],
)
def test_each_tier_is_due_after_its_own_first_response_and_resolution_targets(
    tier, first_response_hours, resolution_hours
):
    # A fault runs on the 24x7 clock: its targets are plain hours.
    due = due_times(tier=tier, ticket_type="repair", received_at=RECEIVED)

    assert due.first_response_due_at == RECEIVED + timedelta(hours=first_response_hours)
    assert due.resolution_due_at == RECEIVED + timedelta(hours=resolution_hours)


def test_a_complaint_counts_only_business_hours():
    # Monday 10:00 in Shanghai; Standard: 8 h and 72 h of Mon-Fri 09:00-18:00.
    due = due_times(tier="standard", ticket_type="complaint", received_at=RECEIVED)

    assert due.first_response_due_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # Monday 18:00 in Shanghai
    assert due.resolution_due_at == datetime(2026, 3, 12, 2, 0, tzinfo=UTC)  # Thursday of the next week, 10:00


@pytest.mark.parametrize("tier", ["strategic", "platinum"])
def test_a_repair_for_the_top_tiers_must_be_resolved_within_four_hours(tier):
    due = due_times(tier=tier, ticket_type="repair", received_at=RECEIVED)

    assert due.first_response_due_at == RECEIVED + timedelta(hours=1)
    assert due.resolution_due_at == RECEIVED + timedelta(hours=4)


def test_a_repair_for_a_gold_customer_keeps_the_general_gold_targets():
    due = due_times(tier="gold", ticket_type="repair", received_at=RECEIVED)

    assert due.resolution_due_at == RECEIVED + timedelta(hours=24)


@pytest.mark.parametrize(
    ("tier", "priority"),
    [
        ("strategic", Priority.URGENT),
        ("platinum", Priority.URGENT),
        ("gold", Priority.HIGH),
        ("vip", Priority.HIGH),
        ("standard", Priority.NORMAL),
    ],
)
def test_priority_follows_the_tier(tier, priority):
    assert priority_for(tier) == priority


@pytest.mark.parametrize("tier", ["strategic", "platinum", "gold", "vip"])
@pytest.mark.parametrize("ticket_type", ["complaint", "repair"])
def test_complaints_and_repairs_from_vip_and_above_go_straight_to_level_one(tier, ticket_type):
    assert initial_level(tier=tier, ticket_type=ticket_type) == 1


@pytest.mark.parametrize(
    ("tier", "ticket_type"),
    [("standard", "complaint"), ("standard", "repair"), ("platinum", "inquiry"), ("vip", "change_request")],
)
def test_everything_else_starts_at_the_service_centre(tier, ticket_type):
    assert initial_level(tier=tier, ticket_type=ticket_type) == 0


def test_tiers_rank_from_standard_up_to_strategic():
    order = ["standard", "vip", "gold", "platinum", "strategic"]

    assert all(is_higher(upper, lower) for lower, upper in pairwise(order))
    assert not is_higher("gold", "gold")
    assert not is_higher("vip", "platinum")


class TestThePolicyFile:
    def test_the_shipped_policy_is_read_from_its_versioned_file(self):
        policy = current()

        assert (policy.id, policy.version) == ("service-standard", 2)

    def test_a_policy_missing_a_tier_is_refused(self):
        document = shipped_document()
        del document["targets"]["gold"]

        with pytest.raises(ValueError, match="targets must name exactly the tiers"):
            ServicePolicy.from_document(document)

    def test_a_policy_naming_an_unknown_ticket_type_is_refused(self):
        document = shipped_document()
        document["green_channel"]["types"].append("praise")

        with pytest.raises(ValueError, match="praise"):
            ServicePolicy.from_document(document)

    def test_a_resolution_target_sooner_than_the_first_response_is_refused(self):
        document = shipped_document()
        document["targets"]["vip"] = {"first_response_minutes": 240, "resolution_minutes": 60}

        with pytest.raises(ValueError, match="resolution no sooner than response"):
            ServicePolicy.from_document(document)

    def test_the_numbers_come_from_the_file_not_the_code(self):
        document = shipped_document()
        document["targets"]["gold"] = {"first_response_minutes": 30, "resolution_minutes": 600}

        policy = ServicePolicy.from_document(document)

        assert policy.targets["gold"].first_response == timedelta(minutes=30)

    def test_the_warning_share_and_escalation_levels_are_data(self):
        policy = current()

        assert policy.warning_share == 0.8
        assert (policy.first_response_missed_level, policy.top_level) == (1, 3)
        assert policy.round_the_clock_types == {"repair"}

    @pytest.mark.parametrize("share", [0, 1, 1.5, -0.2])
    def test_a_warning_share_outside_the_target_is_refused(self, share):
        document = shipped_document()
        document["warning_share"] = share

        with pytest.raises(ValueError, match="warning_share"):
            ServicePolicy.from_document(document)

    def test_a_carrier_calendar_file_replaces_only_the_keys_it_names(self, tmp_path):
        path = tmp_path / "carrier-calendar.json"
        path.write_text(json.dumps({"time_zone": "Asia/Urumqi", "closed_days": ["2026-03-09"]}), encoding="utf-8")

        policy = load(calendar_file=path)

        assert policy.calendar.time_zone.key == "Asia/Urumqi"
        assert policy.calendar.opens.hour == 9 and policy.calendar.public_holidays == "cn-mainland"
        assert not policy.calendar.is_working_day(date(2026, 3, 9))

    def test_a_carrier_calendar_file_that_is_not_a_calendar_is_refused(self, tmp_path):
        path = tmp_path / "carrier-calendar.json"
        path.write_text("[1, 2]", encoding="utf-8")

        with pytest.raises(ValueError, match="JSON object"):
            load(calendar_file=path)


def shipped_document() -> dict:
    path = resources.files("kam_service_desk.policies").joinpath("service-standard.json")
    return json.loads(path.read_text(encoding="utf-8"))
