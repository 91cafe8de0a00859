"""Billing intake (REST) and application to the ledger (from the bus). Both paths dedupe by billing id."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.clock import Clock, business_today, month_key
from kam_shared.events.catalog import BillingPosted
from kam_shared.events.envelope import Envelope
from kam_shared.messaging.consumer import PermanentEventError
from kam_shared.messaging.outbox import Outbox
from kam_tiering.billing import repository
from kam_tiering.billing.schemas import BatchResult, BillingEventIn, Rejection
from kam_tiering.tier import service as tiers
from kam_tiering.tier.policy import Policy

# Partners in other time zones may post "tomorrow" for a few hours; anything later is an error.
FUTURE_TOLERANCE = timedelta(days=1)


def _reason(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'event'}: {error['msg'].removeprefix('Value error, ')}"
        for error in exc.errors()
    )


async def accept_batch(
    session: AsyncSession, *, raw_events: Sequence[Any], policy: Policy, outbox: Outbox, clock: Clock
) -> BatchResult:
    """Validates each event, drops billing ids seen before, and queues the rest as billing.posted."""
    latest_day = business_today(clock) + FUTURE_TOLERANCE
    rejected: list[Rejection] = []
    candidates: dict[str, BillingEventIn] = {}
    duplicates = 0
    for index, raw in enumerate(raw_events):
        billing_id = raw.get("billing_id") if isinstance(raw, dict) else None
        try:
            event = BillingEventIn.model_validate(raw)
        except ValidationError as exc:
            rejected.append(Rejection(index=index, billing_id=billing_id, reason=_reason(exc)))
            continue
        if event.currency != policy.currency:
            reason = f"currency: {event.currency} is not accepted; this ledger keeps {policy.currency}"
            rejected.append(Rejection(index=index, billing_id=event.billing_id, reason=reason))
        elif event.posted_on > latest_day:
            reason = f"posted_on: {event.posted_on} lies in the future"
            rejected.append(Rejection(index=index, billing_id=event.billing_id, reason=reason))
        elif event.billing_id in candidates:
            duplicates += 1
        else:
            candidates[event.billing_id] = event
    fresh = await repository.claim_intake(session, list(candidates), clock.now())
    duplicates += len(candidates) - len(fresh)
    await outbox.add(
        session,
        [BillingPosted(**event.model_dump()) for billing_id, event in candidates.items() if billing_id in fresh],
    )
    return BatchResult(accepted=len(fresh), duplicates=duplicates, rejected=rejected)


async def apply_posted(
    session: AsyncSession, *, envelopes: Sequence[Envelope], policy: Policy, outbox: Outbox, clock: Clock
) -> None:
    """Writes billing.posted events to the ledger and re-evaluates the customers they touched."""
    events: list[tuple[Envelope, BillingPosted]] = [(envelope, envelope.data) for envelope in envelopes]
    latest_day = business_today(clock) + FUTURE_TOLERANCE
    for _envelope, event in events:
        if event.posted_on > latest_day:
            raise PermanentEventError(f"billing {event.billing_id} is posted on {event.posted_on}, in the future")
        if event.currency != policy.currency:
            raise PermanentEventError(
                f"billing {event.billing_id} is in {event.currency}; the ledger keeps {policy.currency}"
            )
    accounts = {event.account_no for _, event in events if event.customer_id is None and event.account_no}
    holders = await repository.holders(session, accounts)
    # A correction reverses its original: it belongs to whoever the original counted for, even when the
    # account has changed hands since. Originals come from the ledger or from earlier in this batch.
    originals = await repository.owners_of(
        session, {event.corrects_billing_id for _, event in events if event.corrects_billing_id}
    )
    now = clock.now()
    rows = []
    in_batch: set[str] = set()
    for envelope, event in events:
        # One billing id twice in a batch counts once, as it does across batches: the first one wins.
        if event.billing_id in in_batch:
            continue
        in_batch.add(event.billing_id)
        customer_id = event.customer_id
        if customer_id is None and event.corrects_billing_id in originals:
            customer_id = originals[event.corrects_billing_id]
        if customer_id is None:
            customer_id = _holder_on(holders.get(event.account_no or "", []), event.posted_on)
        originals.setdefault(event.billing_id, customer_id)
        rows.append(
            {
                "billing_id": event.billing_id,
                "account_no": event.account_no,
                "customer_id": customer_id,
                "amount_minor": event.amount_minor,
                "currency": event.currency,
                "business_line": event.business_line,
                "items": event.items,
                "posted_on": event.posted_on,
                "month": month_key(event.posted_on),
                "corrects_billing_id": event.corrects_billing_id,
                "via_account": event.customer_id is None,
                "event_id": envelope.id,
                "recorded_at": now,
            }
        )
    inserted = await repository.insert_lines(session, rows)
    # Billing that arrived straight from the bus is known to the REST intake too, so either path sees it once.
    await repository.claim_intake(session, [row["billing_id"] for row in rows if row["billing_id"] in inserted], now)
    deltas: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        if row["billing_id"] in inserted and row["customer_id"] is not None:
            _add(deltas[(row["customer_id"], row["month"])], row["amount_minor"], row["items"], 1)
    await _add_deltas(session, deltas, policy)
    await tiers.reevaluate(
        session, customers={customer for customer, _ in deltas}, policy=policy, outbox=outbox, clock=clock
    )


async def attribute_account(
    session: AsyncSession,
    *,
    account_no: str,
    customer_id: str,
    effective_from: date,
    policy: Policy,
    outbox: Outbox,
    clock: Clock,
) -> None:
    """An account was linked (or moved in): from its effective date until the next holder's, its billing counts
    for this customer — lines that were waiting, and lines counted for the previous holder after the move."""
    await repository.add_link(session, account_no, effective_from, customer_id)
    holders = (await repository.holders(session, [account_no]))[account_no]
    later = [start for start, _ in holders if start > effective_from]
    moved = await repository.reattribute(
        session, account_no, customer_id, effective_from, min(later) if later else None
    )
    deltas: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for previous, month, amount, items in moved:
        _add(deltas[(customer_id, month)], amount, items, 1)
        if previous is not None:
            _add(deltas[(previous, month)], -amount, -items, -1)
    await _add_deltas(session, deltas, policy)
    await tiers.reevaluate(
        session,
        customers={customer for customer, _ in deltas} | {customer_id},
        policy=policy,
        outbox=outbox,
        clock=clock,
    )


def _add(totals: list[int], amount: int, items: int, lines: int) -> None:
    totals[0] += amount
    totals[1] += items
    totals[2] += lines


async def _add_deltas(session: AsyncSession, deltas: dict[tuple[str, str], list[int]], policy: Policy) -> None:
    await repository.add_monthly(
        session,
        [
            {
                "customer_id": customer_id,
                "month": month,
                "amount_minor": amount,
                "items": items,
                "lines": lines,
                "currency": policy.currency,
            }
            for (customer_id, month), (amount, items, lines) in deltas.items()
        ],
    )


def _holder_on(history: list[tuple[date, str]], day: date) -> str | None:
    holder = None
    for effective_from, customer_id in history:
        if effective_from <= day:
            holder = customer_id
    return holder
