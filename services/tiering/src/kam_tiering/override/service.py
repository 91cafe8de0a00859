"""Tier overrides: a manager's tier wins over the earned one until it expires or is lifted.

The tier state keeps the earned tier (what re-evaluation and the month close decide); the override lies on top.
Applying, lifting or expiring one announces `tier.changed` with the customer's next sequence, so every replica
follows the tier in force."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.clock import Clock, business_today
from kam_shared.db import lock_for_transaction
from kam_shared.errors import InvalidInput, NotFound
from kam_shared.events.catalog import TierReason
from kam_shared.messaging.outbox import Outbox
from kam_tiering.override import repository
from kam_tiering.override.schemas import OverrideRead, OverrideWrite
from kam_tiering.tier import repository as tiers
from kam_tiering.tier.events import tier_changed
from kam_tiering.tier.policy import Policy
from kam_tiering.tier.service import reevaluate, tier_lock

# Who expires overrides in the audit trail.
MONTH_CLOSE = "month-close"


async def apply(
    session: AsyncSession,
    *,
    customer_id: str,
    override_in: OverrideWrite,
    by: str,
    policy: Policy,
    outbox: Outbox,
    clock: Clock,
) -> OverrideRead:
    today = business_today(clock)
    if override_in.expires_on < today:
        raise InvalidInput(f"expires_on lies before today ({today})", field="expires_on")
    await lock_for_transaction(session, [tier_lock(customer_id)])
    state = await _earned_state(session, customer_id, policy=policy, outbox=outbox, clock=clock)
    now = clock.now()
    in_force = (await repository.active_for(session, [customer_id], today)).get(customer_id)
    old_tier = in_force["tier"] if in_force else state["tier"]
    row = {
        "customer_id": customer_id,
        "tier": override_in.tier,
        "reason": override_in.reason,
        "expires_on": override_in.expires_on,
        "set_by": by,
        "set_at": now,
    }
    await repository.save(session, row)
    reason = TierReason(
        rule="override",
        detail=override_in.reason,
        figures={"earned_tier": state["tier"], "expires_on": str(override_in.expires_on), "set_by": by},
    )
    [sequence] = await _announce(session, [(state, old_tier, override_in.tier, reason)], policy, outbox, now)
    await repository.append(session, [_entry(row, "applied", by, now, sequence)])
    return OverrideRead.model_validate(row)


async def lift(
    session: AsyncSession, *, customer_id: str, by: str, policy: Policy, outbox: Outbox, clock: Clock
) -> None:
    """Ends the customer's override now; the earned tier is in force again."""
    await lock_for_transaction(session, [tier_lock(customer_id)])
    row = await repository.get(session, customer_id)
    if row is None:
        raise NotFound(f"customer {customer_id} has no tier override")
    state = await _earned_state(session, customer_id, policy=policy, outbox=outbox, clock=clock)
    now = clock.now()
    reason = TierReason(
        rule="override-lifted",
        detail=f"the override to {row['tier']} was lifted; the earned tier is in force",
        figures={"overridden_tier": row["tier"], "lifted_by": by},
    )
    await repository.remove(session, [customer_id])
    [sequence] = await _announce(session, [(state, row["tier"], state["tier"], reason)], policy, outbox, now)
    await repository.append(session, [_entry(row, "lifted", by, now, sequence)])


async def expire_overrides(session: AsyncSession, *, month: str, policy: Policy, outbox: Outbox, clock: Clock) -> int:
    """Ends every override whose last day has passed (Asia/Shanghai) and announces the earned tier again; for the
    month close, and safe to run at any time. Returns how many expired."""
    today = business_today(clock)
    candidates = await repository.expired_before(session, today)
    if not candidates:
        return 0
    await lock_for_transaction(session, [tier_lock(row["customer_id"]) for row in candidates])
    # Read again under the locks: a manager may have lifted or renewed one meanwhile.
    expired = await repository.expired_before(session, today)
    states = await tiers.states_for(session, [row["customer_id"] for row in expired])
    now = clock.now()
    changes, done = [], []
    for row in expired:
        state = states.get(row["customer_id"])
        if state is None:
            # An override is only ever set on a customer with a tier state; nothing to announce without one.
            continue
        reason = TierReason(
            rule="override-expired",
            detail=f"the override to {row['tier']} expired after {row['expires_on']}, closing {month}",
            figures={"overridden_tier": row["tier"], "expires_on": str(row["expires_on"])},
        )
        changes.append((state, row["tier"], state["tier"], reason))
        done.append(row)
    await repository.remove(session, [row["customer_id"] for row in done])
    sequences = await _announce(session, changes, policy, outbox, now)
    await repository.append(
        session, [_entry(row, "expired", MONTH_CLOSE, now, seq) for row, seq in zip(done, sequences, strict=True)]
    )
    return len(done)


async def current(session: AsyncSession, *, customer_id: str, clock: Clock) -> OverrideRead:
    row = (await repository.active_for(session, [customer_id], business_today(clock))).get(customer_id)
    if row is None:
        raise NotFound(f"customer {customer_id} has no tier override in force")
    return OverrideRead.model_validate(row)


async def _earned_state(session: AsyncSession, customer_id: str, *, policy, outbox, clock) -> dict:
    if not await tiers.known_customer(session, customer_id):
        raise NotFound(f"customer {customer_id} is not known to tiering")
    state = await tiers.get_state(session, customer_id)
    if state is None:
        # A registered customer is evaluated on registration; this covers one registered before that was so.
        await reevaluate(session, customers=[customer_id], policy=policy, outbox=outbox, clock=clock)
        state = await tiers.get_state(session, customer_id)
    return state


async def _announce(session: AsyncSession, changes: list, policy: Policy, outbox: Outbox, now: datetime) -> list[int]:
    """Bumps each customer's tier sequence and emits tier.changed for (state, old tier, new tier, reason)."""
    rows, events = [], []
    for state, old_tier, new_tier, reason in changes:
        sequence = state["sequence"] + 1
        row = {**state, "sequence": sequence}
        rows.append(row)
        events.append(
            tier_changed(row, old_tier=old_tier, new_tier=new_tier, reasons=[reason], policy=policy, changed_at=now)
        )
    await tiers.save_states(session, rows)
    await outbox.add(session, events)
    return [row["sequence"] for row in rows]


def _entry(row: dict, action: str, by: str, at: datetime, sequence: int) -> dict:
    return {
        "customer_id": row["customer_id"],
        "action": action,
        "tier": row["tier"],
        "reason": row["reason"],
        "expires_on": row["expires_on"],
        "by": by,
        "at": at,
        "sequence": sequence,
    }
