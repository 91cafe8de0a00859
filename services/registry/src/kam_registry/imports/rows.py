"""Rows of a file read as customers: each value converted and checked by the rules the API applies, and rows of one
customer (the same external id, else the same USCC) gathered, with what contradicts itself inside the file."""

import re
from dataclasses import dataclass, field
from datetime import date

from pydantic import TypeAdapter, ValidationError

from kam_registry.customer.names import normalise_name
from kam_registry.customer.schemas import CustomerCreate
from kam_registry.imports.columns import field_of
from kam_registry.imports.reading import Table
from kam_shared.events.catalog import AccountNo
from kam_shared.validation import NO_CONTROL_CHARACTERS

# The customer's own columns, as the customer table names them.
CUSTOMER_COLUMNS = (
    "full_name",
    "short_name",
    "uscc",
    "industry",
    "branch",
    "county",
    "address",
    "postcode",
    "important",
    "potential",
    "agreement_signed_on",
    "agreement_expires_on",
)
KEY_PERSON_FIELDS = ("key_person_name", "key_person_role", "key_person_title", "key_person_phone", "key_person_email")

_TRUE = {"true", "yes", "y", "1", "是", "√", "✓", "对"}
_FALSE = {"false", "no", "n", "0", "否", "×", "✗", ""}
_ROLES = {
    "decision_maker": "decision_maker",
    "决策者": "decision_maker",
    "决策人": "decision_maker",
    "influencer": "influencer",
    "影响者": "influencer",
    "影响人": "influencer",
    "user": "user",
    "使用者": "user",
    "使用人": "user",
    "gatekeeper": "gatekeeper",
    "把关者": "gatekeeper",
    "把关人": "gatekeeper",
}
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$|^(\d{4})(\d{2})(\d{2})$")
_EXTERNAL_ID = re.compile(NO_CONTROL_CHARACTERS)
_ACCOUNT = TypeAdapter(AccountNo)


@dataclass(frozen=True, slots=True)
class Problem:
    row: int
    column: str
    reason: str


@dataclass
class Candidate:
    """One customer of the file: the row that first named it, and what all its rows bring."""

    key_field: str  # "external_id" or "uscc"
    key: str
    row: int
    rows: list[int]
    customer: dict
    normalized_name: str
    external_id: str | None
    # The customer columns the file gave a value for: an empty cell leaves what the registry holds.
    given: frozenset[str] = frozenset()
    # account_no -> (effective_from, whether the file gave the date, row)
    accounts: dict[str, tuple[date, bool, int]] = field(default_factory=dict)
    managers: tuple[str | None, str | None] | None = None
    key_persons: list[dict] | None = None


@dataclass
class Parsed:
    candidates: list[Candidate]
    problems: list[Problem]
    rows: int
    columns: dict[str, str]  # field -> header as written


def parse_rows(table: Table, *, mapping: dict[str, str], today: date) -> Parsed:
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    for index, header in enumerate(table.headers):
        target = field_of(header, mapping) if header else None
        if target is not None:
            columns[target] = index
            headers[target] = header
    problems: list[Problem] = []
    by_key: dict[tuple[str, str], Candidate] = {}
    by_uscc: dict[str, Candidate] = {}
    by_name: dict[str, Candidate] = {}
    by_account: dict[str, Candidate] = {}
    rejected_keys: dict[tuple[str, str], int] = {}
    for number, cells in table.rows:
        values = {name: cells[index].strip() if index < len(cells) else "" for name, index in columns.items()}
        row_problems: list[Problem] = []

        def problem(name: str, reason: str, number: int = number, row_problems: list = row_problems) -> None:
            row_problems.append(Problem(number, headers.get(name, name), reason))

        customer = _customer(values, problem)
        given = frozenset(name for name in CUSTOMER_COLUMNS if values.get(name))
        external_id = values.get("external_id") or None
        if external_id is not None and (len(external_id) > 100 or not _EXTERNAL_ID.match(external_id)):
            problem("external_id", "at most 100 printable characters")
            external_id = None
        account = _account(values, today, problem)
        managers = _managers(values, columns, problem)
        key_person = _key_person(values, problem)
        if customer is None or row_problems:
            problems.extend(row_problems)
            key = _key_of(values)
            if key is not None:
                rejected_keys.setdefault(key, number)
            continue
        key = ("external_id", external_id) if external_id else ("uscc", customer["uscc"]) if customer["uscc"] else None
        if key is None:
            problems.append(
                Problem(
                    number,
                    headers.get("external_id", headers.get("uscc", "uscc")),
                    "needs an external_id or a uscc (统一社会信用代码): without one a second import could not "
                    "find the customer again",
                )
            )
            continue
        if key in rejected_keys:
            problems.append(
                Problem(number, headers.get(key[0], key[0]), f"the same customer as row {rejected_keys[key]}, rejected")
            )
            continue
        held = by_key.get(key)
        if held is None:
            normalized = normalise_name(customer["full_name"])
            clash = (by_uscc.get(customer["uscc"]) if customer["uscc"] else None, "uscc", "the same uscc as row")
            name_clash = (by_name.get(normalized), "full_name", "the same normalised name as row")
            for other, column, reason in (clash, name_clash):
                if other is not None:
                    problem(column, f"{reason} {other.row}, another customer of this file")
            if row_problems:
                problems.extend(row_problems)
                rejected_keys.setdefault(key, number)
                continue
            held = Candidate(
                key_field=key[0],
                key=key[1],
                row=number,
                rows=[number],
                customer=customer,
                normalized_name=normalized,
                external_id=external_id,
                given=given,
            )
            by_key[key] = held
            if customer["uscc"]:
                by_uscc[customer["uscc"]] = held
            by_name[normalized] = held
        else:
            for name in CUSTOMER_COLUMNS:
                if name in given and name in held.given and customer[name] != held.customer[name]:
                    problem(name, f"differs from row {held.row} of the same customer")
            if managers is not None and held.managers is not None and managers != held.managers:
                problem("manager_a", f"the managers differ from row {held.row} of the same customer")
            if row_problems:
                problems.extend(row_problems)
                continue
            held.rows.append(number)
        if account is not None:
            account_no, effective_from, given = account
            other = by_account.get(account_no)
            if other is not None and other is not held:
                problems.append(
                    Problem(
                        number, headers["account_no"], f"also in row {other.accounts[account_no][2]}, another customer"
                    )
                )
                if held.row == number:
                    _drop(held, by_key, by_uscc, by_name)
                    rejected_keys.setdefault(key, number)
                else:
                    held.rows.remove(number)
                continue
            if account_no not in held.accounts:
                held.accounts[account_no] = (effective_from, given, number)
                by_account[account_no] = held
        if managers is not None:
            held.managers = managers
        if key_person is not None:
            held.key_persons = [*(held.key_persons or []), key_person]
    return Parsed(candidates=list(by_key.values()), problems=problems, rows=len(table.rows), columns=headers)


def _drop(candidate: Candidate, by_key: dict, by_uscc: dict, by_name: dict) -> None:
    by_key.pop((candidate.key_field, candidate.key), None)
    if candidate.customer["uscc"]:
        by_uscc.pop(candidate.customer["uscc"], None)
    by_name.pop(candidate.normalized_name, None)


def _key_of(values: dict[str, str]) -> tuple[str, str] | None:
    if values.get("external_id"):
        return ("external_id", values["external_id"])
    if values.get("uscc"):
        return ("uscc", values["uscc"].upper())
    return None


def _customer(values: dict[str, str], problem) -> dict | None:
    """The customer's columns from the row, checked by the API's own schema (CustomerCreate)."""
    body: dict = {}
    for name in ("full_name", "short_name", "industry", "branch", "county", "address", "postcode"):
        if values.get(name):
            body[name] = values[name]
    if values.get("uscc"):
        body["uscc"] = values["uscc"]
    for name in ("important", "potential"):
        if values.get(name):
            flag = _flag(values[name])
            if flag is None:
                problem(name, "must be 是/否, yes/no, true/false or 1/0")
            else:
                body[name] = flag
    signed_on = _date(values, "agreement_signed_on", problem)
    expires_on = _date(values, "agreement_expires_on", problem)
    if expires_on is not None and signed_on is None:
        problem("agreement_expires_on", "an agreement's end needs its signing date (agreement_signed_on)")
    if signed_on is not None:
        body["agreement"] = {"signed_on": signed_on.isoformat()}
        if expires_on is not None:
            body["agreement"]["expires_on"] = expires_on.isoformat()
    try:
        checked = CustomerCreate.model_validate(body)
    except ValidationError as error:
        for item in error.errors():
            location = [str(part) for part in item["loc"]]
            name = {"agreement": "agreement_signed_on"}.get(location[0], location[0]) if location else "full_name"
            if location[:2] == ["agreement", "expires_on"]:
                name = "agreement_expires_on"
            reason = item["msg"].removeprefix("Value error, ")
            problem(name, "is required" if item["type"] == "missing" else reason)
        return None
    return {
        "full_name": checked.full_name,
        "short_name": checked.short_name,
        "uscc": checked.uscc,
        "industry": checked.industry,
        "branch": checked.branch,
        "county": checked.county,
        "address": checked.address,
        "postcode": checked.postcode,
        "important": checked.important,
        "potential": checked.potential,
        "agreement_signed_on": checked.agreement.signed_on if checked.agreement else None,
        "agreement_expires_on": checked.agreement.expires_on if checked.agreement else None,
    }


def _account(values: dict[str, str], today: date, problem) -> tuple[str, date, bool] | None:
    account_no = values.get("account_no")
    if not account_no:
        if values.get("account_effective_from"):
            problem("account_effective_from", "a date without an account_no")
        return None
    try:
        _ACCOUNT.validate_python(account_no)
    except ValidationError:
        problem("account_no", "a letter or digit, then letters, digits and . _ : / -, at most 64")
        return None
    effective_from = _date(values, "account_effective_from", problem)
    return account_no, effective_from or today, effective_from is not None


def _managers(values: dict[str, str], columns: dict[str, int], problem) -> tuple[str | None, str | None] | None:
    if "manager_a" not in columns and "manager_b" not in columns:
        return None
    a, b = values.get("manager_a") or None, values.get("manager_b") or None
    if b is not None and a is None:
        problem("manager_b", "a manager B needs a manager A")
    elif a is not None and a == b:
        problem("manager_b", "manager B must be another person than manager A")
    return a, b


def _key_person(values: dict[str, str], problem) -> dict | None:
    if not any(values.get(name) for name in KEY_PERSON_FIELDS):
        return None
    name = values.get("key_person_name")
    if not name:
        problem("key_person_name", "a key person's details need their name")
        return None
    role_text = values.get("key_person_role") or "user"
    role = _ROLES.get(role_text.casefold())
    if role is None:
        problem(
            "key_person_role", "one of decision_maker (决策者), influencer (影响者), user (使用者), gatekeeper (把关者)"
        )
        return None
    person = {"name": name[:100], "role": role}
    for source, target in (("key_person_title", "title"), ("key_person_phone", "phone"), ("key_person_email", "email")):
        if values.get(source):
            person[target] = values[source]
    from kam_registry.archive.schemas import KeyPerson

    try:
        return KeyPerson.model_validate(person).model_dump(mode="json", exclude_none=True)
    except ValidationError as error:
        item = error.errors()[0]
        problem(f"key_person_{item['loc'][0]}", item["msg"].removeprefix("Value error, "))
        return None


def _flag(text: str) -> bool | None:
    folded = text.strip().casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    return None


def _date(values: dict[str, str], name: str, problem) -> date | None:
    text = values.get(name)
    if not text:
        return None
    found = _DATE.match(text.split("T")[0].strip())
    if found is None:
        problem(name, "a date is written YYYY-MM-DD (or YYYY/MM/DD, YYYY年M月D日)")
        return None
    year, month, day = (int(part) for part in (found.groups()[:3] if found.group(1) else found.groups()[3:]))
    try:
        written = date(year, month, day)
    except ValueError:
        problem(name, "no such day")
        return None
    if not 2000 <= written.year <= 2100 and name == "account_effective_from":
        problem(name, "lies outside 2000..2100")
        return None
    return written
