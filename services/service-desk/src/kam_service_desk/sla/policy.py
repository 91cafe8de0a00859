"""The service-level policy (DOMAIN.md section 4): targets, priority and starting level by tier.

The numbers are data, in a versioned JSON file under `kam_service_desk/policies/`, like tiering's tier policy;
this module only reads and applies them. `due_times` is the one place that turns a target into an instant. For
now it counts calendar hours; the business-hours calendar (faults 24x7, everything else Mon-Fri 09:00-18:00 in
the carrier's time zone) replaces it there without any caller changing."""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import get_args

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
        unknown_types = set(green["types"]) - set(get_args(TicketType))
        if unknown or unknown_types:
            raise ValueError(f"policy {name} names unknown tiers or ticket types: {sorted(unknown | unknown_types)}")
        if any(t.first_response <= timedelta(0) or t.resolution < t.first_response for t in targets.values()):
            raise ValueError(f"policy {name}: every target must be positive, resolution no sooner than response")
        return cls(
            id=name,
            version=int(document["version"]),
            targets=targets,
            repair_resolution=repair,
            priority=priority,
            green_channel_tiers=frozenset(green["tiers"]),
            green_channel_types=frozenset(green["types"]),
            green_channel_level=int(green["level"]),
            service_centre_level=int(document["service_centre_level"]),
        )


def load_shipped(policy_id: str) -> ServicePolicy:
    path = resources.files("kam_service_desk.policies").joinpath(f"{policy_id}.json")
    if not path.is_file():
        raise ValueError(f"no shipped service-level policy named {policy_id!r}")
    return ServicePolicy.from_document(json.loads(path.read_text(encoding="utf-8")))


@cache
def current() -> ServicePolicy:
    """The policy in force: the shipped default, read once on first use (not at import)."""
    return load_shipped(SHIPPED_POLICY)


def is_higher(tier: Tier, than: Tier) -> bool:
    """Whether `tier` ranks above `than`; the ranking is the catalog's order of TIERS, best first."""
    return TIERS.index(tier) < TIERS.index(than)


def targets_for(*, tier: Tier, ticket_type: str) -> Targets:
    policy = current()
    targets = policy.targets[tier]
    if ticket_type == "repair" and tier in policy.repair_resolution:
        return Targets(first_response=targets.first_response, resolution=policy.repair_resolution[tier])
    return targets


def due_times(*, tier: Tier, ticket_type: str, received_at: datetime) -> DueTimes:
    targets = targets_for(tier=tier, ticket_type=ticket_type)
    return DueTimes(
        first_response_due_at=received_at + targets.first_response,
        resolution_due_at=received_at + targets.resolution,
    )


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
