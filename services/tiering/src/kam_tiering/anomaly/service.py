"""Anomalies of a closed month (seed 003): found from the ledger's monthly revenue, stored, announced once."""

import hashlib
import json
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.clock import Clock, add_months, business_today
from kam_shared.db import lock_for_transaction
from kam_shared.events.catalog import AnomalyDetected, AnomalyWithdrawn
from kam_shared.messaging.outbox import Outbox
from kam_tiering.anomaly import repository
from kam_tiering.anomaly.policy import AnomalyPolicy, anomaly_policy
from kam_tiering.tier.policy import Policy

# Rows written, and events added to the outbox, per statement.
BATCH = 1000


async def detect_for_close(session: AsyncSession, *, month: str, policy: Policy, outbox: Outbox, clock: Clock) -> int:
    """Finds the month's anomalies as the ledger stands, stores them and emits `anomaly.detected` for each one
    that is new or whose figures changed since the month was last run. Returns how many of those were emitted.

    Running it again for a month finds the same anomalies and emits nothing; one the ledger no longer shows is
    withdrawn (hidden from the listing) and `anomaly.withdrawn` is emitted for it, once."""
    rules = anomaly_policy(policy)
    # Two closes of one month at once would both think every anomaly new.
    await lock_for_transaction(session, [f"kam-anomalies:{month}"])
    run = str(uuid.uuid4())
    now = clock.now()
    today = business_today(clock)
    found = [
        *_sharp_drops(await session.execute(repository.sharp_drops(month, rules, today)), month, rules),
        *_dormant(await session.execute(repository.dormant(month, today)), month),
    ]
    if month[5:7] in {"03", "06", "09", "12"}:
        found.extend(_quarter(await session.execute(repository.quarter_changes(month, rules, today)), month, rules))
    emitted = 0
    for batch in _batches(found, BATCH):
        rows = {(row["customer_id"], row["kind"]): _row(row, month, rules, policy, run, now) for row in batch}
        events = []
        for customer_id, kind, revision, revised_run in await repository.upsert(session, list(rows.values())):
            if revised_run == run:
                events.append(_event(rows[(customer_id, kind)], revision, now))
        await outbox.add(session, events)
        emitted += len(events)
    withdrawn = await repository.withdraw_unseen(session, month=month, run=run, at=now)
    for batch in _batches(withdrawn, BATCH):
        await outbox.add(session, [_withdrawal(row, month, policy, now) for row in batch])
    return emitted


def _sharp_drops(rows, month: str, rules: AnomalyPolicy) -> Iterator[dict]:
    for row in rows:
        previous, current = int(row.previous_minor), int(row.month_minor)
        yield _found(
            row,
            "sharp_drop",
            f"revenue fell more than {rules.sharp_drop_over_percent}% from the previous month",
            {
                "previous_month": add_months(month, -1),
                "previous_month_minor": previous,
                "month_minor": current,
                "change_percent": _percent(current - previous, previous),
            },
        )


def _dormant(rows, month: str) -> Iterator[dict]:
    for row in rows:
        yield _found(
            row,
            "dormant",
            "no revenue this month after a month with billing",
            {
                "last_billed_month": row.last_billed_month,
                "last_billed_minor": int(row.last_billed_minor),
                "zero_months": _months_between(row.last_billed_month, month),
            },
        )


def _quarter(rows, month: str, rules: AnomalyPolicy) -> Iterator[dict]:
    quarter, previous_quarter = _quarter_name(month), _quarter_name(add_months(month, -3))
    share = rules.quarterly_swing_percent
    for row in rows:
        current, previous = int(row.quarter_minor), int(row.previous_minor)
        change = current - previous
        figures = {
            "quarter": quarter,
            "previous_quarter": previous_quarter,
            "quarter_minor": current,
            "previous_quarter_minor": previous,
            "monthly_average_minor": _third(current),
            "previous_monthly_average_minor": _third(previous),
            "average_change_minor": _third(change),
        }
        if previous > 0:
            figures["change_percent"] = _percent(change, previous)
        if row.rise_rank <= rules.branch_top_risers and change > 0:
            yield _found(
                row,
                "branch_top_riser",
                "among the largest risers of its branch by change in quarterly monthly average",
                {**figures, "rank": int(row.rise_rank)},
            )
        if row.fall_rank <= rules.branch_top_fallers and change < 0:
            yield _found(
                row,
                "branch_top_faller",
                "among the largest fallers of its branch by change in quarterly monthly average",
                {**figures, "rank": int(row.fall_rank)},
            )
        if previous > 0 and (100 * change >= share * previous or 100 * change <= -share * previous):
            yield _found(
                row,
                "quarterly_swing",
                f"quarterly monthly average changed by {share}% or more against the quarter before",
                figures,
            )


def _found(row, kind: str, detail: str, figures: dict) -> dict:
    return {
        "customer_id": row.customer_id,
        "kind": kind,
        "branch": row.branch,
        "tier": row.tier,
        "detail": detail,
        "figures": figures,
    }


def _row(found: dict, month: str, rules: AnomalyPolicy, policy: Policy, run: str, now: datetime) -> dict:
    owner_role = rules.owner_role(found["tier"])
    said = json.dumps([found["figures"], found["tier"], owner_role, found["branch"]], sort_keys=True)
    return {
        **found,
        "month": month,
        "owner_role": owner_role,
        "fingerprint": hashlib.sha256(said.encode()).hexdigest(),
        "revision": 1,
        "last_run": run,
        "revised_run": run,
        "policy_id": policy.id,
        "policy_version": policy.version,
        "detected_at": now,
        "revised_at": now,
        "withdrawn_at": None,
    }


def _event(row: dict, revision: int, now: datetime) -> AnomalyDetected:
    return AnomalyDetected(
        customer_id=row["customer_id"],
        month=row["month"],
        kind=row["kind"],
        branch=row["branch"],
        tier=row["tier"],
        owner_role=row["owner_role"],
        detail=row["detail"],
        figures=row["figures"],
        revision=revision,
        policy_id=row["policy_id"],
        policy_version=row["policy_version"],
        detected_at=now,
    )


def _withdrawal(row, month: str, policy: Policy, now: datetime) -> AnomalyWithdrawn:
    return AnomalyWithdrawn(
        customer_id=row.customer_id,
        month=month,
        kind=row.kind,
        branch=row.branch,
        owner_role=row.owner_role,
        revision=row.revision,
        policy_id=policy.id,
        policy_version=policy.version,
        withdrawn_at=now,
    )


def _percent(change: int, base: int) -> str:
    """The change as a percentage of the base, to two decimals, for people to read (the rules compare integers)."""
    return str((Decimal(change) * 100 / Decimal(base)).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))


def _third(amount: int) -> int:
    """A quarter's monthly average in minor units, rounded half to even."""
    return int((Decimal(amount) / 3).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _quarter_name(month: str) -> str:
    return f"{month[:4]}Q{(int(month[5:7]) - 1) // 3 + 1}"


def _months_between(first: str, last: str) -> int:
    return (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7])


def _batches(items: Sequence[dict], size: int) -> Iterator[Sequence[dict]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
