"""Application of billing to the ledger (from the bus), and of the registry's news that makes waiting billing count.

Every path that decides where a line counts serialises on what it reads: the account (its holders), the
customer (announced or not) and the charge a correction takes from. Without that, two consumers applying a
link and billing for its account at once each miss the other's uncommitted row, and the line waits for good."""

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.clock import Clock, business_today, month_key
from kam_shared.db import lock_for_transaction
from kam_shared.events.catalog import BillingPosted
from kam_shared.events.envelope import Envelope
from kam_shared.messaging.consumer import PermanentEventError
from kam_shared.messaging.outbox import Outbox
from kam_tiering.billing import repository
from kam_tiering.billing.counting import Deltas, charge_of, count_announced, count_corrections_of
from kam_tiering.billing.rules import (
    conflict_reason,
    correction_refusal,
    fingerprint,
    holder_on,
    holder_refusal,
)
from kam_tiering.tier import service as tiers
from kam_tiering.tier.policy import Policy

# Partners in other time zones may post "tomorrow" for a few hours; anything later is an error.
FUTURE_TOLERANCE = timedelta(days=1)


def account_lock(account_no: str) -> str:
    return f"kam-billing-account:{account_no}"


def customer_lock(customer_id: str) -> str:
    return f"kam-billing-customer:{customer_id}"


def charge_lock(billing_id: str) -> str:
    return f"kam-billing-charge:{billing_id}"


def lock_names(events: Iterable[BillingPosted]) -> set[str]:
    """What applying these events reads and must see settled: their accounts, customers and charges."""
    names = set()
    for event in events:
        if event.account_no:
            names.add(account_lock(event.account_no))
        if event.customer_id:
            names.add(customer_lock(event.customer_id))
        names.add(charge_lock(event.corrects_billing_id or event.billing_id))
    return names


def usability_refusal(event: BillingPosted, *, policy: Policy, clock: Clock) -> str | None:
    if event.currency != policy.currency:
        return f"currency: {event.currency} is not accepted; this ledger keeps {policy.currency}"
    if event.posted_on > business_today(clock) + FUTURE_TOLERANCE:
        return f"posted_on: {event.posted_on} lies in the future"
    return None


async def apply_posted(
    session: AsyncSession, *, envelopes: Sequence[Envelope], policy: Policy, outbox: Outbox, clock: Clock
) -> None:
    """Writes billing.posted events to the ledger, counts what may count, and re-evaluates those customers.

    An event tiering can never use raises PermanentEventError (the consumer dead-letters it alone)."""
    events: dict[str, tuple[Envelope, BillingPosted, str]] = {}
    for envelope in envelopes:
        event: BillingPosted = envelope.data
        refusal = usability_refusal(event, policy=policy, clock=clock)
        if refusal is not None:
            raise PermanentEventError(f"billing {event.billing_id}: {refusal}")
        digest = fingerprint(event)
        earlier = events.get(event.billing_id)
        if earlier is not None and earlier[2] != digest:
            raise PermanentEventError(conflict_reason(event.billing_id))
        events.setdefault(event.billing_id, (envelope, event, digest))
    await lock_for_transaction(session, lock_names(event for _, event, _ in events.values()))

    # The intake is where a billing id is claimed, whichever path brought it first: the first content stands.
    now = clock.now()
    fresh = await repository.claim_intake(
        session, {billing_id: (digest, event) for billing_id, (_, event, digest) in events.items()}, now
    )
    seen = await repository.intake_fingerprints(
        session, [billing_id for billing_id in events if billing_id not in fresh]
    )
    for billing_id, digest in seen.items():
        if digest is not None and digest != events[billing_id][2]:
            raise PermanentEventError(conflict_reason(billing_id))
    applied = await repository.in_ledger(session, seen)
    todo = [(envelope, event) for billing_id, (envelope, event, _) in events.items() if billing_id not in applied]
    if not todo:
        return

    holders = await repository.holders(session, {event.account_no for _, event in todo if event.account_no})
    charges = await repository.charges(
        session, {event.corrects_billing_id for _, event in todo if event.corrects_billing_id}
    )
    owners = {event.customer_id for _, event in todo} | {
        customer for history in holders.values() for _, customer in history
    }
    announced = await repository.announced(session, owners)
    rows = []
    for envelope, event in todo:
        holder = holder_on(holders.get(event.account_no, []), event.posted_on) if event.account_no else None
        refusal = holder_refusal(event, holder)
        customer_id = event.customer_id or holder
        month, counted = month_key(event.posted_on), False
        original = charges.get(event.corrects_billing_id) if event.corrects_billing_id else None
        if original is not None:
            refusal = refusal or correction_refusal(
                original=original,
                amount_minor=event.amount_minor,
                account_no=event.account_no,
                customer_id=event.customer_id,
            )
        if refusal is not None:
            raise PermanentEventError(f"billing {event.billing_id}: {refusal}")
        if original is not None:
            # A correction counts where its charge counts: same customer, same month.
            original.taken_minor -= event.amount_minor
            customer_id, month, counted = original.customer_id, original.month, original.counted
        elif event.corrects_billing_id is None:
            counted = customer_id is not None and customer_id in announced
        row = {
            "billing_id": event.billing_id,
            "account_no": event.account_no,
            "customer_id": customer_id,
            "amount_minor": event.amount_minor,
            "currency": event.currency,
            "business_line": event.business_line,
            "items": event.items,
            "posted_on": event.posted_on,
            "month": month,
            "counted": counted,
            "corrects_billing_id": event.corrects_billing_id,
            "via_account": event.customer_id is None,
            "event_id": envelope.id,
            "recorded_at": now,
        }
        rows.append(row)
        if event.corrects_billing_id is None:
            charges[event.billing_id] = charge_of(row)
    inserted = await repository.insert_lines(session, rows)
    deltas = Deltas()
    for row in rows:
        if row["billing_id"] in inserted and row["counted"]:
            deltas.add(row["customer_id"], row["month"], row["amount_minor"], row["items"])
    # Corrections that arrived before their charge count once it does.
    await count_corrections_of(
        session, [row["billing_id"] for row in rows if row["counted"] and row["corrects_billing_id"] is None], deltas
    )
    await _settle(session, deltas, policy=policy, outbox=outbox, clock=clock)


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
    for this customer — lines that were waiting, and lines counted for the previous holder after the move.

    A link is also the registry's word that the customer exists: billing that named it starts to count."""
    await lock_for_transaction(session, [account_lock(account_no), customer_lock(customer_id)])
    await repository.add_link(session, account_no, effective_from, customer_id)
    holders = (await repository.holders(session, [account_no]))[account_no]
    later = [start for start, _ in holders if start > effective_from]
    moved = await repository.reattribute(
        session, account_no, customer_id, effective_from, min(later) if later else None
    )
    deltas = Deltas()
    for line in moved:
        if line.counted:
            deltas.add(line.customer_id, line.month, -line.amount_minor, -line.items, -1)
            deltas.add(customer_id, line.month, line.amount_minor, line.items)
        elif line.corrects_billing_id is None:
            deltas.add(customer_id, line.month, line.amount_minor, line.items)
    await count_corrections_of(
        session, [line.billing_id for line in moved if line.corrects_billing_id is None and not line.counted], deltas
    )
    await count_announced(session, [customer_id], deltas)
    await _settle(session, deltas, policy=policy, outbox=outbox, clock=clock, also=[customer_id])


async def release_account(
    session: AsyncSession,
    *,
    account_no: str,
    customer_id: str,
    effective_to: date,
    policy: Policy,
    outbox: Outbox,
    clock: Clock,
) -> None:
    """A move-out: from `effective_to` until the next holder's link nobody holds the account. Its billing over
    that span waits for that link ("account-not-linked"), and what counted for the old holder is taken from
    its months, which are re-evaluated. A holder linked for that very day has moved in: nothing changes."""
    await lock_for_transaction(session, [account_lock(account_no), customer_lock(customer_id)])
    await repository.add_move_out(session, account_no, effective_to)
    history = (await repository.holders(session, [account_no]))[account_no]
    if holder_on(history, effective_to) is not None:
        return
    later = [start for start, _ in history if start > effective_to]
    released = await repository.release(session, account_no, effective_to, min(later) if later else None)
    deltas = Deltas()
    for line in released:
        if line.counted:
            deltas.add(line.customer_id, line.month, -line.amount_minor, -line.items, -1)
    await _settle(session, deltas, policy=policy, outbox=outbox, clock=clock, also=[customer_id])


async def count_registered(
    session: AsyncSession, *, customers: Sequence[str], policy: Policy, outbox: Outbox, clock: Clock
) -> None:
    """Customers the registry has just announced: billing that named them and waited starts to count."""
    await lock_for_transaction(session, [customer_lock(customer_id) for customer_id in customers])
    deltas = Deltas()
    await count_announced(session, customers, deltas)
    await _settle(session, deltas, policy=policy, outbox=outbox, clock=clock, also=customers)


async def _settle(
    session: AsyncSession, deltas: Deltas, *, policy: Policy, outbox: Outbox, clock: Clock, also: Iterable[str] = ()
) -> None:
    await deltas.write(session, policy)
    await tiers.reevaluate(session, customers=deltas.customers() | set(also), policy=policy, outbox=outbox, clock=clock)
