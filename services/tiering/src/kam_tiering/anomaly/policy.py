"""The anomaly rules' numbers and owners, read from the "anomalies" section of the tier policy in force.

The section is optional: a policy without it gets the defaults of seed 003."""

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from kam_shared.events.catalog import TIERS
from kam_tiering.tier.policy import Policy

DEFAULT_OWNER_ROLES = {
    "strategic": "region_head",
    "platinum": "region_head",
    "gold": "branch_manager",
    "vip": "branch_manager",
    "standard": "outlet_and_care_team",
}


@cache
def _document(policy_id: str, version: int) -> dict:
    path = resources.files("kam_tiering.policies").joinpath(f"{policy_id}.json")
    if not path.is_file():
        return {}
    document = json.loads(path.read_text(encoding="utf-8"))
    # A shipped file of another version than the policy in force says nothing about that version.
    return document if int(document.get("version", 0)) == version else {}


def policy_section(policy: Policy, name: str) -> dict:
    """One section of the policy's document, or {} when the policy has none."""
    section = _document(policy.id, policy.version).get(name, {})
    if not isinstance(section, dict):
        raise ValueError(f"policy {policy.id} v{policy.version}: section {name!r} must be an object")
    return section


@dataclass(frozen=True, slots=True)
class AnomalyPolicy:
    # A sharp drop is a fall of strictly more than this share of the previous month.
    sharp_drop_over_percent: int = 50
    # A quarterly swing is a change of the monthly average of at least this share, up or down.
    quarterly_swing_percent: int = 20
    branch_top_risers: int = 1
    branch_top_fallers: int = 4
    owner_roles: tuple[tuple[str, str], ...] = tuple(DEFAULT_OWNER_ROLES.items())

    def owner_role(self, tier: str) -> str:
        return dict(self.owner_roles)[tier]

    @classmethod
    def from_section(cls, section: dict) -> "AnomalyPolicy":
        owners = {**DEFAULT_OWNER_ROLES, **section.get("owner_roles", {})}
        unknown = sorted(set(owners) - set(TIERS))
        if unknown:
            raise ValueError(f"anomaly owner roles name unknown tiers {unknown}")
        default = cls()
        policy = cls(
            sharp_drop_over_percent=int(section.get("sharp_drop_over_percent", default.sharp_drop_over_percent)),
            quarterly_swing_percent=int(section.get("quarterly_swing_percent", default.quarterly_swing_percent)),
            branch_top_risers=int(section.get("branch_top_risers", default.branch_top_risers)),
            branch_top_fallers=int(section.get("branch_top_fallers", default.branch_top_fallers)),
            owner_roles=tuple((tier, str(owners[tier])) for tier in TIERS),
        )
        if not 0 < policy.sharp_drop_over_percent < 100 or policy.quarterly_swing_percent <= 0:
            raise ValueError("anomaly percentages must lie in 0..100 (sharp drop) and above 0 (swing)")
        if policy.branch_top_risers < 0 or policy.branch_top_fallers < 0:
            raise ValueError("branch top counts cannot be negative")
        return policy


def anomaly_policy(policy: Policy) -> AnomalyPolicy:
    return AnomalyPolicy.from_section(policy_section(policy, "anomalies"))
