"""The billing rules both intake paths (REST and the bus) apply. Pure: no I/O, no clock."""

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from kam_shared.events.catalog import BillingPosted


def fingerprint(event: BillingPosted) -> str:
    """A digest of what a billing event says: the same billing id with another digest is a conflict."""
    content = event.model_dump(mode="json")
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def conflict_reason(billing_id: str) -> str:
    return f"conflict: billing_id {billing_id} was accepted before with other content; the first version stands"


def holder_on(history: list[tuple[date, str | None]], day: date) -> str | None:
    """Who holds the account on the day: None before its first link and after a move-out."""
    holder = None
    for effective_from, customer_id in history:
        if effective_from <= day:
            holder = customer_id
    return holder


def holder_refusal(event: BillingPosted, holder: str | None) -> str | None:
    """Billing that names both an account and a customer must agree with the registry on who holds the account."""
    if event.account_no is None or event.customer_id is None or holder is None or holder == event.customer_id:
        return None
    return (
        f"customer_id: account {event.account_no} is held by customer {holder} on {event.posted_on}, "
        f"not by {event.customer_id}"
    )


@dataclass(slots=True)
class Charge:
    """A ledger line as a correction sees it, with what earlier corrections already take from it."""

    billing_id: str
    customer_id: str | None
    account_no: str | None
    amount_minor: int
    month: str
    counted: bool
    is_correction: bool
    taken_minor: int = 0
    # False for a charge the intake accepted that is not in the ledger yet: its amount is known, its account
    # and customer are checked against a correction when the two meet in the ledger.
    settled: bool = True

    @property
    def remaining_minor(self) -> int:
        return self.amount_minor - self.taken_minor


def correction_refusal(
    *, original: Charge, amount_minor: int, account_no: str | None, customer_id: str | None
) -> str | None:
    """Why a correction cannot take from this charge, or None when it may.

    A correction takes from a charge (not from another correction) of the same account and customer, and never
    more than what remains of it, earlier corrections included: no revenue can go negative."""
    if original.is_correction:
        return f"corrects_billing_id: {original.billing_id} is itself a correction, not a charge"
    if original.settled and account_no is not None and account_no != original.account_no:
        posted_to = f"account {original.account_no}" if original.account_no else "no account"
        return f"account_no: the correction is posted to {account_no}; {original.billing_id} was posted to {posted_to}"
    if original.settled and customer_id is not None and customer_id != original.customer_id:
        counts_for = f"customer {original.customer_id}" if original.customer_id else "no customer yet"
        return f"customer_id: the correction names {customer_id}; {original.billing_id} counts for {counts_for}"
    if -amount_minor > original.remaining_minor:
        return (
            f"amount_minor: the correction takes {-amount_minor}; only {max(original.remaining_minor, 0)} "
            f"remains of {original.billing_id}"
        )
    return None
