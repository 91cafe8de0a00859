"""One account-number rule for the registry's links and the partners' billing: billing can never name an account
the registry could not link, nor the registry link one billing could not name."""

from datetime import UTC, date, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from kam_shared.events.catalog import AccountNo, BillingAccountLinked, BillingPosted

GOOD = ["MS-0001", "350100.A/2026:7", "0", "a_b-c", "X" * 64]
BAD = ["", " MS-0001", "MS 0001", "-MS", ".MS", "MS#1", "账户1", "X" * 65, 1001]


def billing_to(account_no) -> BillingPosted:
    return BillingPosted.model_validate(
        {
            "billing_id": "B-1",
            "account_no": account_no,
            "amount_minor": 100,
            "currency": "CNY",
            "business_line": "parcels",
            "posted_on": "2026-11-10",
        }
    )


def link_of(account_no) -> BillingAccountLinked:
    return BillingAccountLinked.model_validate(
        {
            "customer_id": "C-1",
            "account_no": account_no,
            "effective_from": date(2026, 1, 1),
            "linked_at": datetime(2026, 11, 20, tzinfo=UTC),
        }
    )


@pytest.mark.parametrize("account_no", GOOD)
def test_an_account_number_of_the_rule_is_taken_by_billing_and_links_alike(account_no):
    assert billing_to(account_no).account_no == link_of(account_no).account_no == account_no


@pytest.mark.parametrize("account_no", BAD, ids=repr)
def test_an_account_number_outside_the_rule_is_refused_by_billing_and_links_alike(account_no):
    with pytest.raises(ValidationError):
        billing_to(account_no)
    with pytest.raises(ValidationError):
        link_of(account_no)
    with pytest.raises(ValidationError):
        TypeAdapter(AccountNo).validate_python(account_no)
