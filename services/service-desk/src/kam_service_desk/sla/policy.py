"""The service-level policy (DOMAIN.md section 4): targets, priority and starting level by tier.

The numbers are data, in a versioned JSON file under `kam_service_desk/policies/`, like tiering's tier policy;
this module only reads and applies them. `clock_for` says which clock a ticket type runs on: the round-the-clock
types (faults) 24x7, every other type the business calendar (`sla/calendar.py`), which a carrier may override
as data (`calendar_file` setting). `due_times` is the one place that turns a target into an instant."""

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import get_args

from kam_service_desk.sla.calendar import BusinessCalendar, Clock24x7, SlaClock
from kam_shared.events.catalog import TIERS, TicketType, Tier

SHIPPED_POLICY = "service-standard"


class Priority(StrEnum):
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


@dataclass(frozen=True, slots=True)
class Targets:
    first_response: timedelta
    resolution: timedelta


@dataclass(frozen=True, slots=True)
class DueTimes:
    first_response_due_at: datetime
    resolution_due_at: datetime


@dataclass(frozen=True, slots=True)
class ServicePolicy:
    id: str
    version: int
    targets: dict[str, Targets]
    # Faults of some tiers are resolved faster than their other requests; other tiers use the general target.
    repair_resolution: dict[str, timedelta]
    priority: dict[str, Priority]
    green_channel_tiers: frozenset[str]
    green_channel_types: frozenset[str]
    green_channel_level: int
    service_centre_level: int
    round_the_clock_types: frozenset[str]
    # Share of a target after which a warning goes out (0.8: at 80 %).
    warning_share: float
    first_response_missed_level: int
    top_level: int
    level_names: dict[int, str]
    calendar: BusinessCalendar

    @classmethod
    def from_document(cls, document: dict) -> "ServicePolicy":
        name = document["id"]
        targets = {
            tier: Targets(
                first_response=timedelta(minutes=int(terms["first_response_minutes"])),
                resolution=timedelta(minutes=int(terms["resolution_minutes"])),
            )
            for tier, terms in document["targets"].items()
        }
        priority = {tier: Priority(value) for tier, value in document["priority"].items()}
        for what, by_tier in (("targets", targets), ("priority", priority)):
            if set(by_tier) != set(TIERS):
                raise ValueError(f"policy {name}: {what} must name exactly the tiers {list(TIERS)}")
        green = document["green_channel"]
        repair = {tier: timedelta(minutes=int(m)) for tier, m in document.get("repair_resolution_minutes", {}).items()}
        unknown = (set(repair) | set(green["tiers"])) - set(TIERS)
        round_the_clock = frozenset(document.get("round_the_clock_types", ()))
        unknown_types = (set(green["types"]) | round_the_clock) - set(get_args(TicketType))
        if unknown or unknown_types:
            raise ValueError(f"policy {name} names unknown tiers or ticket types: {sorted(unknown | unknown_types)}")
        if any(t.first_response <= timedelta(0) or t.resolution < t.first_response for t in targets.values()):
            raise ValueError(f"policy {name}: every target must be positive, resolution no sooner than response")
        warning_share = float(document.get("warning_share", 0.8))
        if not 0 < warning_share < 1:
            raise ValueError(f"policy {name}: warning_share lies strictly between 0 and 1")
        escalation = document.get("escalation", {})
        top_level = int(escalation.get("top_level", 3))
        missed_level = int(escalation.get("first_response_missed_level", 1))
        levels = {int(level): str(title) for level, title in escalation.get("levels", {}).items()}
        service_centre = int(document["service_centre_level"])
        if not service_centre <= missed_level <= top_level or not 0 <= int(green["level"]) <= top_level:
            raise ValueError(f"policy {name}: levels must run from the service centre up to top_level")
        return cls(
            id=name,
            version=int(document["version"]),
            targets=targets,
            repair_resolution=repair,
            priority=priority,
            green_channel_tiers=frozenset(green["tiers"]),
            green_channel_types=frozenset(green["types"]),
            green_channel_level=int(green["level"]),
            service_centre_level=service_centre,
            round_the_clock_types=round_the_clock,
            warning_share=warning_share,
            first_response_missed_level=missed_level,
            top_level=top_level,
            level_names=levels,
            calendar=BusinessCalendar.from_document(document.get("calendar", {})),
        )

    def with_calendar(self, override: dict) -> "ServicePolicy":
        """This policy on a carrier's calendar: the override's keys replace those of the shipped calendar."""
        return replace(self, calendar=BusinessCalendar.from_document({**self.calendar_document, **override}))

    @property
    def calendar_document(self) -> dict:
        calendar = self.calendar
        return {
            "time_zone": calendar.time_zone.key,
            "opens": calendar.opens.isoformat("minutes"),
            "closes": calendar.closes.isoformat("minutes"),
            "weekdays": sorted(calendar.weekdays),
            "public_holidays": calendar.public_holidays,
            "closed_days": sorted(day.isoformat() for day in calendar.closed_days),
            "working_days": sorted(day.isoformat() for day in calendar.working_days),
            "uncovered_years": calendar.uncovered_years,
        }

    def clock_for(self, ticket_type: str) -> SlaClock:
        return _ROUND_THE_CLOCK if ticket_type in self.round_the_clock_types else self.calendar


_ROUND_THE_CLOCK = Clock24x7()


def load_shipped(policy_id: str) -> ServicePolicy:
    path = resources.files("kam_service_desk.policies").joinpath(f"{policy_id}.json")
    if not path.is_file():
        raise ValueError(f"no shipped service-level policy named {policy_id!r}")
    return ServicePolicy.from_document(json.loads(path.read_text(encoding="utf-8")))


_in_force: ServicePolicy | None = None


def load(*, calendar_file: Path | None = None) -> ServicePolicy:
    """The shipped policy, on the carrier's calendar when `calendar_file` (JSON, keys of `calendar`) names one."""
    shipped = _shipped_default()
    if calendar_file is None:
        return shipped
    try:
        override = json.loads(calendar_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"calendar file {calendar_file}: {exc}") from exc
    if not isinstance(override, dict):
        raise ValueError(f"calendar file {calendar_file}: a JSON object of calendar keys is expected")
    return shipped.with_calendar(override)


def use(policy: ServicePolicy) -> None:
    """Puts `policy` in force for this process (the composition root calls it once, with the carrier's calendar)."""
    global _in_force
    _in_force = policy


@cache
def _shipped_default() -> ServicePolicy:
    return load_shipped(SHIPPED_POLICY)


def current() -> ServicePolicy:
    """The policy in force: the one `use` set, else the shipped default, read once on first use (not at import)."""
    return _in_force or _shipped_default()


def is_higher(tier: Tier, than: Tier) -> bool:
    """Whether `tier` ranks above `than`; the ranking is the catalog's order of TIERS, best first."""
    return TIERS.index(tier) < TIERS.index(than)


def targets_for(*, tier: Tier, ticket_type: str) -> Targets:
    policy = current()
    targets = policy.targets[tier]
    if ticket_type == "repair" and tier in policy.repair_resolution:
        return Targets(first_response=targets.first_response, resolution=policy.repair_resolution[tier])
    return targets


def due_times(*, tier: Tier, ticket_type: str, received_at: datetime, stopped: timedelta = timedelta(0)) -> DueTimes:
    """When the targets fall due on the ticket type's clock; `stopped` is clock time the resolution was paused."""
    targets = targets_for(tier=tier, ticket_type=ticket_type)
    clock = current().clock_for(ticket_type)
    return DueTimes(
        first_response_due_at=clock.add(received_at, targets.first_response),
        resolution_due_at=clock.add(received_at, targets.resolution + stopped),
    )


def warning_lead(target: timedelta) -> timedelta:
    """How much clock time of a target passes before its warning: the policy's share, to the second."""
    return timedelta(seconds=round(target.total_seconds() * current().warning_share))


def priority_for(tier: Tier) -> Priority:
    return current().priority[tier]


def higher_priority(a: Priority, b: Priority) -> Priority:
    order = list(Priority)
    return a if order.index(a) >= order.index(b) else b


def initial_level(*, tier: Tier, ticket_type: str) -> int:
    policy = current()
    if tier in policy.green_channel_tiers and ticket_type in policy.green_channel_types:
        return policy.green_channel_level
    return policy.service_centre_level
