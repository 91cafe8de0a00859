from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from kam_service_desk.sla.calendar import BusinessCalendar, CalendarNotCovered, Clock24x7
from kam_service_desk.sla.policy import current, due_times

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def calendar() -> BusinessCalendar:
    return BusinessCalendar()


def test_a_friday_afternoon_request_is_due_on_monday_after_the_weekend(calendar):
    # 2026-03-06 is a Friday: one working hour is left that day, then Saturday and Sunday are closed.
    assert calendar.add(local(2026, 3, 6, 17, 0), timedelta(hours=2)) == local(2026, 3, 9, 10, 0)


def test_a_request_outside_hours_counts_from_the_next_opening(calendar):
    assert calendar.add(local(2026, 3, 7, 23, 30), timedelta(minutes=30)) == local(2026, 3, 9, 9, 30)
    assert calendar.add(local(2026, 3, 9, 7, 0), timedelta(hours=9)) == local(2026, 3, 9, 18, 0)


def test_the_spring_festival_2026_is_closed_and_its_make_up_saturdays_are_worked(calendar):
    # chinese-calendar: holiday 2026-02-15..23; Saturday 2026-02-14 and Saturday 2026-02-28 are working days.
    assert calendar.is_working_day(date(2026, 2, 14)) and calendar.is_working_day(date(2026, 2, 28))
    assert not any(calendar.is_working_day(date(2026, 2, day)) for day in range(15, 24))
    assert not calendar.is_working_day(date(2026, 3, 7))


def test_a_standard_complaint_on_the_eve_of_the_spring_festival_runs_through_both_make_up_saturdays():
    received = local(2026, 2, 13, 17, 0)  # a Friday, one hour before closing

    due = due_times(tier="standard", ticket_type="complaint", received_at=received)

    # 8 h: Friday 1 h, then the make-up Saturday 14th 09:00-16:00.
    assert due.first_response_due_at == local(2026, 2, 14, 16, 0)
    # 72 h = 8 working days of 9 h: Fri 1 + Sat 14th 9, closed 15th..23rd, Tue 24th..Sat 28th 45, Mon 2nd 9, Tue 3rd 8.
    assert due.resolution_due_at == local(2026, 3, 3, 17, 0)


def test_a_fault_runs_on_the_24x7_clock_through_the_holiday():
    received = local(2026, 2, 16, 3, 0)  # in the night, in the middle of the holiday

    due = due_times(tier="platinum", ticket_type="repair", received_at=received)

    assert due.first_response_due_at == received + timedelta(hours=1)
    assert due.resolution_due_at == received + timedelta(hours=4)
    assert current().clock_for("repair").__class__ is Clock24x7


def test_an_instant_given_in_another_zone_is_placed_on_the_carriers_day():
    # Sunday 2026-03-08 20:00 in UTC is already Monday 04:00 in Shanghai: counted from Monday 09:00, not Friday.
    calendar = BusinessCalendar()
    assert calendar.add(datetime(2026, 3, 8, 20, 0, tzinfo=UTC), timedelta(hours=1)) == local(2026, 3, 9, 10, 0)
    # Friday 2026-03-06 09:30 UTC is 17:30 in Shanghai: half an hour that day, the rest on Monday.
    assert calendar.add(datetime(2026, 3, 6, 9, 30, tzinfo=UTC), timedelta(hours=1)) == local(2026, 3, 9, 9, 30)


def test_a_carrier_in_another_time_zone_keeps_its_own_hours_across_a_clock_change():
    berlin = ZoneInfo("Europe/Berlin")
    calendar = BusinessCalendar.from_document(
        {"time_zone": "Europe/Berlin", "opens": "08:00", "closes": "16:00", "public_holidays": "none"}
    )
    # Summer time starts on Sunday 2026-03-29: Friday's 15:00 plus 2 h of work ends Monday 09:00 CEST (07:00 UTC).
    due = calendar.add(datetime(2026, 3, 27, 15, 0, tzinfo=berlin), timedelta(hours=2))
    assert due == datetime(2026, 3, 30, 9, 0, tzinfo=berlin)
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


def test_a_carrier_can_close_extra_days_and_open_others(calendar):
    carrier = BusinessCalendar.from_document({"closed_days": ["2026-03-09"], "working_days": ["2026-03-07"]})

    assert carrier.add(local(2026, 3, 6, 17, 0), timedelta(hours=2)) == local(2026, 3, 7, 10, 0)
    assert carrier.add(local(2026, 3, 7, 17, 0), timedelta(hours=2)) == local(2026, 3, 10, 10, 0)


def test_working_time_between_two_instants_skips_nights_weekends_and_holidays(calendar):
    assert calendar.between(local(2026, 3, 6, 17, 0), local(2026, 3, 9, 10, 0)) == timedelta(hours=2)
    assert calendar.between(local(2026, 2, 13, 9, 0), local(2026, 2, 24, 18, 0)) == timedelta(hours=27)
    assert calendar.between(local(2026, 3, 9, 10, 0), local(2026, 3, 9, 9, 0)) == timedelta(0)


def test_a_year_the_library_does_not_cover_counts_weekdays_and_says_so(calendar, caplog):
    # 2027's holidays are not in chinese-calendar 1.11.0: 2027-02-08 is a Monday.
    with caplog.at_level("WARNING"):
        assert calendar.is_working_day(date(2027, 2, 8)) and not calendar.is_working_day(date(2027, 2, 6))
    refusing = BusinessCalendar(uncovered_years="refuse")
    with pytest.raises(CalendarNotCovered, match="2027"):
        refusing.is_working_day(date(2027, 2, 8))


def test_a_year_not_covered_can_be_given_its_holidays_as_data():
    carrier = BusinessCalendar.from_document({"uncovered_years": "refuse", "closed_days": ["2027-02-08"]})

    assert not carrier.is_working_day(date(2027, 2, 8))


@pytest.mark.parametrize(
    "document",
    [
        {"time_zone": "Mars/Olympus"},
        {"opens": "18:00", "closes": "09:00"},
        {"weekdays": [7]},
        {"public_holidays": "atlantis"},
        {"closed_days": ["2026-03-09"], "working_days": ["2026-03-09"]},
    ],
)
def test_a_calendar_that_makes_no_sense_is_refused(document):
    with pytest.raises(ValueError, match="calendar"):
        BusinessCalendar.from_document(document)


def test_a_calendar_without_any_working_day_fails_loudly_instead_of_looping():
    closed = BusinessCalendar(weekdays=frozenset(), public_holidays="none", opens=time(9), closes=time(10))

    with pytest.raises(ValueError, match="no working time"):
        closed.add(local(2026, 3, 9, 9, 0), timedelta(hours=1))


async def test_a_ticket_in_a_year_a_refusing_calendar_lacks_is_a_422_not_a_500(app, client, bus, events, clock):
    from kam_service_desk.sla import policy

    await bus.deliver(events.registered("c-1"))
    shipped = policy.current()
    policy.use(shipped.with_calendar({"uncovered_years": "refuse"}))
    try:
        clock.set(datetime(2027, 1, 4, 2, 0, tzinfo=UTC))
        body = {"customer_id": "c-1", "type": "inquiry", "channel": "web", "subject": "s", "description": "d"}
        response = await client.post("/v1/tickets", json=body)
    finally:
        policy.use(shipped)

    assert response.status_code == 422, response.text
    assert response.json()["type"].endswith("calendar-not-covered") and "2027" in response.json()["detail"]
