"""The `tier.changed` event, built the same way by re-evaluation, the month close and overrides."""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from kam_shared.events.catalog import Tier, TierChanged, TierReason
from kam_tiering.tier.policy import Policy


def tier_changed(
    state: Mapping[str, Any],
    *,
    old_tier: Tier,
    new_tier: Tier,
    reasons: Iterable[TierReason],
    policy: Policy,
    changed_at: datetime,
) -> TierChanged:
    """`tier.changed` for a customer's tier state row as written with this change (its sequence included), under
    the policy in force."""
    return TierChanged(
        customer_id=state["customer_id"],
        old_tier=old_tier,
        new_tier=new_tier,
        qualified=state["qualified"],
        reasons=list(reasons),
        revenue_12m_minor=state["revenue_12m_minor"],
        currency=state["currency"],
        policy_id=policy.id,
        policy_version=policy.version,
        sequence=state["sequence"],
        changed_at=changed_at,
    )
