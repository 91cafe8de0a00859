"""The default service-level policy (DOMAIN.md section 4): targets, priority and starting level by tier.

The targets are data; `due_times` is the one place that turns a target into an instant. For now it counts
calendar hours; the business-hours calendar (faults 24x7, everything else Mon-Fri 09:00-18:00 in the
carrier's time zone) replaces it there without any caller changing."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from kam_shared.events.catalog import TIERS, Tier


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


SLA_TARGETS: dict[Tier, Targets] = {
    "strategic": Targets(first_response=timedelta(hours=1), resolution=timedelta(hours=8)),
    "platinum": Targets(first_response=timedelta(hours=1), resolution=timedelta(hours=8)),
    "gold": Targets(first_response=timedelta(hours=2), resolution=timedelta(hours=24)),
    "vip": Targets(first_response=timedelta(hours=4), resolution=timedelta(hours=48)),
    "standard": Targets(first_response=timedelta(hours=8), resolution=timedelta(hours=72)),
}

# Faults of the top tiers are resolved faster than their other requests; other tiers use the general target.
REPAIR_RESOLUTION: dict[Tier, timedelta] = {
    "strategic": timedelta(hours=4),
    "platinum": timedelta(hours=4),
}

# Key accounts get priority handling (seed 002): the higher the tier, the sooner the queue reaches them.
PRIORITY_BY_TIER: dict[Tier, Priority] = {
    "strategic": Priority.URGENT,
    "platinum": Priority.URGENT,
    "gold": Priority.HIGH,
    "vip": Priority.HIGH,
    "standard": Priority.NORMAL,
}

# Green channel (seed 002): from VIP up, complaints and faults skip the service centre and start at level 1.
GREEN_CHANNEL_TIERS: frozenset[Tier] = frozenset({"strategic", "platinum", "gold", "vip"})
GREEN_CHANNEL_TYPES = frozenset({"complaint", "repair"})
SERVICE_CENTRE_LEVEL = 0
GREEN_CHANNEL_LEVEL = 1


def tier_rank(tier: Tier) -> int:
    """Higher is better: standard 0 ... strategic 4."""
    return len(TIERS) - 1 - TIERS.index(tier)


def is_higher(tier: Tier, than: Tier) -> bool:
    return tier_rank(tier) > tier_rank(than)


def targets_for(*, tier: Tier, ticket_type: str) -> Targets:
    targets = SLA_TARGETS[tier]
    if ticket_type == "repair" and tier in REPAIR_RESOLUTION:
        return Targets(first_response=targets.first_response, resolution=REPAIR_RESOLUTION[tier])
    return targets


def due_times(*, tier: Tier, ticket_type: str, received_at: datetime) -> DueTimes:
    targets = targets_for(tier=tier, ticket_type=ticket_type)
    return DueTimes(
        first_response_due_at=received_at + targets.first_response,
        resolution_due_at=received_at + targets.resolution,
    )


def priority_for(tier: Tier) -> Priority:
    return PRIORITY_BY_TIER[tier]


def higher_priority(a: Priority, b: Priority) -> Priority:
    order = list(Priority)
    return a if order.index(a) >= order.index(b) else b


def initial_level(*, tier: Tier, ticket_type: str) -> int:
    if tier in GREEN_CHANNEL_TIERS and ticket_type in GREEN_CHANNEL_TYPES:
        return GREEN_CHANNEL_LEVEL
    return SERVICE_CENTRE_LEVEL
