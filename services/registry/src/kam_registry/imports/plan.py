"""What importing each customer of a file would do, decided against what the registry holds, and doing it:
set-based writes, and every change announced through the outbox like the API's own."""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.imports import repository
from kam_registry.imports.rows import CUSTOMER_COLUMNS, Candidate, Problem
from kam_shared.db import lock_for_transaction
from kam_shared.events.catalog import (
    BillingAccountLinked,
    CustomerProfile,
    CustomerRegistered,
    CustomerUpdated,
    Event,
    ManagerAssigned,
)
from kam_shared.messaging.outbox import Outbox


@dataclass
class Plan:
    candidate: Candidate
    existing: dict | None
    changes: dict = field(default_factory=dict)
    accounts: list[tuple[str, date]] = field(default_factory=list)
    managers: tuple[str | None, str | None] | None = None
    previous_managers: dict[str, str] = field(default_factory=dict)
    key_persons: list[dict] | None = None

    @property
    def outcome(self) -> str:
        if self.existing is None:
            return "created"
        if self.changes or self.accounts or self.managers is not None or self.key_persons is not None:
            return "updated"
        return "unchanged"


@dataclass
class Options:
    allow_new_branches: bool
    # The org units known: those of the registry's customers and staff when the import began, and the settings'.
    org_units: frozenset[str]


async def plan(
    session: AsyncSession, candidates: list[Candidate], *, options: Options, columns: dict[str, str]
) -> tuple[list[Plan], list[Problem]]:
    """Each candidate's plan, or its problems: every rule the API applies, against the registry as it is now."""
    by_external = await repository.customers_by(
        session, "external_id", [c.external_id for c in candidates if c.external_id]
    )
    by_uscc = await repository.customers_by(
        session, "uscc", [c.customer["uscc"] for c in candidates if c.customer["uscc"]]
    )
    names = await repository.names_taken(session, [c.normalized_name for c in candidates])
    holders = await repository.holders(session, [no for c in candidates for no in c.accounts])
    staff = await repository.staff_states(
        session, [s for c in candidates if c.managers for s in c.managers if s is not None]
    )
    known_units = options.org_units
    plans: list[Plan] = []
    problems: list[Problem] = []

    def header(name: str) -> str:
        return columns.get(name, name)

    matched: list[tuple[Candidate, dict | None, list[Problem]]] = []
    for candidate in candidates:
        found: list[Problem] = []
        customer = candidate.customer
        existing = by_external.get(candidate.external_id) if candidate.external_id else None
        if existing is None and customer["uscc"]:
            by_code = by_uscc.get(customer["uscc"])
            if by_code is not None:
                if candidate.external_id and by_code["external_id"] not in (None, candidate.external_id):
                    found.append(
                        Problem(
                            candidate.row,
                            header("uscc"),
                            f"belongs to customer {by_code['id']}, imported under another external_id",
                        )
                    )
                else:
                    existing = by_code
        elif existing is not None and customer["uscc"]:
            other = by_uscc.get(customer["uscc"])
            if other is not None and other["id"] != existing["id"]:
                found.append(Problem(candidate.row, header("uscc"), f"belongs to another customer, {other['id']}"))
        matched.append((candidate, existing, found))
    ids = [existing["id"] for _c, existing, _f in matched if existing is not None]
    managers = await repository.current_managers(session, ids)
    persons = await repository.key_persons(session, ids)

    for candidate, existing, found in matched:

        def problem(name: str, reason: str, row: int | None = None, found: list = found, c=candidate) -> None:
            found.append(Problem(row or c.row, header(name), reason))

        customer = candidate.customer
        customer_id = existing["id"] if existing is not None else None
        taken = names.get(candidate.normalized_name)
        if taken is not None and taken[0] != customer_id:
            problem("full_name", f"a customer with this name is registered: {taken[0]} ({taken[1]})")
        new_unit = customer["branch"] not in known_units and not options.allow_new_branches
        if new_unit and (existing is None or existing["branch"] != customer["branch"]):
            problem(
                "branch",
                "no customer or staff of the registry belongs to this org unit: check the code, or import "
                "with allow_new_branches=true",
            )
        result = Plan(candidate=candidate, existing=existing)
        if existing is not None:
            result.changes = {
                name: customer[name]
                for name in CUSTOMER_COLUMNS
                if name in candidate.given and customer[name] != existing[name]
            }
            if candidate.external_id and existing["external_id"] is None:
                result.changes["external_id"] = candidate.external_id
            if "full_name" in result.changes:
                result.changes["normalized_name"] = candidate.normalized_name
        for account_no, (effective_from, given, row) in candidate.accounts.items():
            holder = holders.get(account_no)
            if holder is None:
                result.accounts.append((account_no, effective_from))
            elif holder.closed_on is None and holder.customer_id == customer_id:
                if given and holder.effective_from != effective_from:
                    problem("account_no", f"already held by this customer from {holder.effective_from}", row)
            elif holder.closed_on is None:
                problem(
                    "account_no",
                    f"held by customer {holder.customer_id} since {holder.effective_from}: an import does not "
                    "move accounts (POST /v1/customers/{id}/billing-accounts does)",
                    row,
                )
            elif effective_from < holder.closed_on:
                problem("account_effective_from", f"the account was held until {holder.closed_on}", row)
            else:
                result.accounts.append((account_no, effective_from))
        held = managers.get(customer_id, {}) if customer_id else {}
        result.previous_managers = held
        if candidate.managers is not None and (held.get("a"), held.get("b")) != candidate.managers:
            for role, staff_id in zip(("a", "b"), candidate.managers, strict=True):
                if staff_id is None:
                    continue
                if staff_id not in staff:
                    problem(f"manager_{role}", f"no staff member {staff_id}: register them with POST /v1/staff first")
                elif not staff[staff_id] and held.get(role) != staff_id:
                    problem(f"manager_{role}", f"staff member {staff_id} has left and can be given no customers")
            result.managers = candidate.managers
        wanted = candidate.key_persons
        if wanted is not None and (customer_id is None or persons.get(customer_id) != wanted):
            result.key_persons = wanted
        if found:
            problems.extend(found)
            continue
        plans.append(result)
    return plans, problems


async def apply(
    session: AsyncSession, plans: list[Plan], *, outbox: Outbox, now: datetime, import_id: str
) -> dict[str, int]:
    """Writes the plans in one transaction (the caller's) and announces each change; the counts of what it did."""
    # Requests registering or renaming customers take the same locks on PostgreSQL: none slips between.
    await lock_for_transaction(session, [f"customer-name:{p.candidate.normalized_name}" for p in plans])
    events: list[Event] = []
    new_rows, changed_rows, link_rows, ended, assignment_rows, person_rows = [], [], [], [], [], []
    counts = {"created": 0, "updated": 0, "unchanged": 0, "accounts": 0}
    for p in plans:
        counts[p.outcome] += 1
        if p.existing is None:
            customer_id = str(uuid.uuid4())
            row = {
                "id": customer_id,
                **p.candidate.customer,
                "external_id": p.candidate.external_id,
                "normalized_name": p.candidate.normalized_name,
                "contacts": [],
                "version": 1,
                "tier": "standard",
                "tier_sequence": 0,
                "created_at": now,
                "updated_at": now,
            }
            new_rows.append(row)
            events.append(CustomerRegistered(**_profile(row), registered_at=now, sequence=1))
        else:
            customer_id = p.existing["id"]
            if p.changes:
                changed_rows.append(
                    {"id": customer_id, "version": p.existing["version"], **p.changes, "updated_at": now}
                )
                after = {**p.existing, **p.changes}
                events.append(
                    CustomerUpdated(
                        **_profile(after),
                        changed=sorted(name for name in p.changes if name != "normalized_name"),
                        sequence=p.existing["version"] + 1,
                        updated_at=now,
                    )
                )
        for account_no, effective_from in p.accounts:
            link_rows.append(
                {
                    "account_no": account_no,
                    "customer_id": customer_id,
                    "effective_from": effective_from,
                    "linked_at": now,
                }
            )
            events.append(
                BillingAccountLinked(
                    customer_id=customer_id, account_no=account_no, effective_from=effective_from, linked_at=now
                )
            )
        if p.managers is not None:
            wanted = dict(zip(("a", "b"), p.managers, strict=True))
            for role in ("a", "b"):
                if p.previous_managers.get(role) != wanted[role]:
                    ended.append((customer_id, role))
                    if wanted[role] is not None:
                        assignment_rows.append(
                            {"customer_id": customer_id, "role": role, "staff_id": wanted[role], "assigned_at": now}
                        )
            events.append(
                ManagerAssigned(
                    customer_id=customer_id,
                    a=wanted["a"],
                    b=wanted["b"],
                    previous_a=p.previous_managers.get("a"),
                    previous_b=p.previous_managers.get("b"),
                    assigned_at=now,
                )
            )
        if p.key_persons is not None:
            person_rows.append(
                {
                    "customer_id": customer_id,
                    "part": "key_persons",
                    "data": {"key_persons": p.key_persons},
                    "refreshed_at": now,
                    "refreshed_by": f"import {import_id}",
                }
            )
    await repository.insert_customers(session, new_rows)
    if await repository.update_customers(session, changed_rows) != len(changed_rows):
        raise ChangedMeanwhile()
    await repository.link_accounts(session, link_rows)
    await repository.end_assignments(session, ended, now)
    await repository.add_assignments(session, assignment_rows)
    await repository.save_key_persons(session, person_rows)
    await outbox.add(session, events)
    counts["accounts"] = len(link_rows)
    return counts


class ChangedMeanwhile(Exception):
    """A customer the plan was made on changed before it was written: plan the batch again."""


def _profile(values: dict) -> dict:
    return {
        "customer_id": values["id"],
        **{name: values.get(name) for name in CustomerProfile.model_fields if name != "customer_id"},
    }
