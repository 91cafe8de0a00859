"""Billing intake over REST: each event of a batch is accepted, a duplicate, or rejected on its own.

What the ledger already knows is checked here so the partner hears of a refusal at once; the bus path applies
the same rules again (under the locks) when the accepted events reach the ledger."""

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.clock import Clock, month_key
from kam_shared.db import lock_for_transaction
from kam_shared.errors import dotted
from kam_shared.events.catalog import BillingId, BillingPosted
from kam_shared.messaging.outbox import Outbox
from kam_tiering.billing import repository
from kam_tiering.billing.rules import (
    Charge,
    conflict_reason,
    correction_refusal,
    fingerprint,
    holder_on,
    holder_refusal,
)
from kam_tiering.billing.schemas import BatchResult, BillingEventIn, Rejection
from kam_tiering.billing.service import charge_lock, usability_refusal
from kam_tiering.tier.policy import Policy

_BILLING_ID = TypeAdapter(BillingId)
# An event with more problems than this is told its first ones.
MAX_REASONS = 10


Candidates = dict[str, tuple[int, BillingPosted, str]]  # billing id -> (index in the batch, event, fingerprint)


def _reason(exc: ValidationError) -> str:
    """What is wrong with the event, by field; a key of the input is cut short, never echoed whole."""
    return "; ".join(
        f"{dotted(error['loc']) or 'event'}: {error['msg'].removeprefix('Value error, ')}"
        for error in exc.errors(include_input=False, include_url=False)[:MAX_REASONS]
    )


def _as_event(validated: BillingEventIn) -> BillingPosted:
    """The bus event of a validated REST event. BillingEventIn is BillingPosted with stricter input rules, so its
    values have passed every BillingPosted validator already: validating them a second time only costs time."""
    return BillingPosted.model_construct(**{name: getattr(validated, name) for name in BillingPosted.model_fields})


def _billing_id_of(raw: Any) -> str | None:
    """The event's billing id when it is a valid one: an invalid id is the input, not a name for the event."""
    billing_id = raw.get("billing_id") if isinstance(raw, dict) else None
    try:
        return _BILLING_ID.validate_python(billing_id)
    except ValidationError:
        return None


async def accept_batch(
    session: AsyncSession,
    *,
    raw_events: Sequence[Any],
    policy: Policy,
    outbox: Outbox,
    clock: Clock,
    submitted_by: str | None = None,
) -> BatchResult:
    """Validates each event, drops billing ids seen before, and queues the rest as billing.posted."""
    rejected: list[Rejection] = []
    candidates: Candidates = {}
    duplicates = 0

    def reject(index: int, billing_id: str | None, reason: str) -> None:
        rejected.append(Rejection(index=index, billing_id=billing_id, reason=reason))

    for index, raw in enumerate(raw_events):
        try:
            event = _as_event(BillingEventIn.model_validate(raw))
        except ValidationError as exc:
            reject(index, _billing_id_of(raw), _reason(exc))
            continue
        refusal = usability_refusal(event, policy=policy, clock=clock)
        digest = fingerprint(event)
        earlier = candidates.get(event.billing_id)
        if refusal is not None:
            reject(index, event.billing_id, refusal)
        elif earlier is None:
            candidates[event.billing_id] = (index, event, digest)
        elif earlier[2] == digest:
            duplicates += 1
        else:
            reject(index, event.billing_id, conflict_reason(event.billing_id))

    await _check_against_ledger(session, candidates, reject)
    fresh = await repository.claim_intake(
        session,
        {billing_id: (digest, event) for billing_id, (_, event, digest) in candidates.items()},
        clock.now(),
        submitted_by,
    )
    seen = await repository.intake_fingerprints(
        session, [billing_id for billing_id in candidates if billing_id not in fresh]
    )
    for billing_id, digest in seen.items():
        index, _, mine = candidates[billing_id]
        if digest is None or digest == mine:
            duplicates += 1
        else:
            reject(index, billing_id, conflict_reason(billing_id))
    await outbox.add(session, [event for billing_id, (_, event, _) in candidates.items() if billing_id in fresh])
    rejected.sort(key=lambda rejection: rejection.index)
    return BatchResult(accepted=len(fresh), duplicates=duplicates, rejected=rejected)


async def _check_against_ledger(
    session: AsyncSession, candidates: Candidates, reject: Callable[[int, str | None, str], None]
) -> None:
    """Refuses, and drops from the candidates, events that contradict what the ledger (or the batch) holds: an
    account held by another customer than the one named, a correction its charge cannot take."""
    events = [event for _, event, _ in candidates.values()]
    holders = await repository.holders(session, {event.account_no for event in events if event.account_no})
    originals = {event.corrects_billing_id for event in events if event.corrects_billing_id}
    # Two batches correcting one charge at once: the second sees what the first took once it has committed.
    await lock_for_transaction(session, [charge_lock(original) for original in originals])
    charges: dict[str, Charge] = await repository.charges(session, originals)
    charges.update(await repository.pending_charges(session, originals - charges.keys()))
    for original, taken in (await repository.pending_takes(session, originals)).items():
        if original in charges:
            charges[original].taken_minor += taken
    taken_in = set(await repository.intake_fingerprints(session, candidates)) | await repository.in_ledger(
        session, candidates
    )
    for billing_id, (index, event, _) in list(candidates.items()):
        if billing_id in taken_in:
            continue  # a duplicate or a conflict: told apart by the intake
        holder = holder_on(holders.get(event.account_no, []), event.posted_on) if event.account_no else None
        refusal = holder_refusal(event, holder)
        original = charges.get(event.corrects_billing_id) if event.corrects_billing_id else None
        if refusal is None and original is not None:
            refusal = correction_refusal(
                original=original,
                amount_minor=event.amount_minor,
                account_no=event.account_no,
                customer_id=event.customer_id,
            )
        if refusal is not None:
            reject(index, billing_id, refusal)
            del candidates[billing_id]
        elif original is not None:
            original.taken_minor -= event.amount_minor
        elif event.corrects_billing_id is None:
            # A later correction in the batch takes from this charge as it will in the ledger.
            charges.setdefault(
                billing_id,
                Charge(
                    billing_id=billing_id,
                    customer_id=event.customer_id or holder,
                    account_no=event.account_no,
                    amount_minor=event.amount_minor,
                    month=month_key(event.posted_on),
                    counted=False,
                    is_correction=False,
                ),
            )
