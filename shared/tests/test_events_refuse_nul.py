"""An event that validates can be stored by every consumer: PostgreSQL text cannot hold NUL, so no event carries it."""

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from kam_shared.events.catalog import BillingPosted, CustomerRegistered

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize("field", ["billing_id", "business_line", "customer_id"])
def test_billing_with_nul_in_any_text_field_is_invalid_naming_that_field(field):
    values = {
        "billing_id": "B-1",
        "customer_id": "C-1",
        "amount_minor": 100,
        "currency": "CNY",
        "business_line": "parcels",
        "posted_on": date(2026, 11, 1),
    }
    values[field] = "a\x00b"

    with pytest.raises(ValidationError) as raised:
        BillingPosted.model_validate(values)

    assert [error["loc"] for error in raised.value.errors()] == [(field,)]
    assert "NUL" in raised.value.errors()[0]["msg"]


def test_a_registration_with_nul_in_the_name_is_invalid_and_one_without_is_not():
    with pytest.raises(ValidationError):
        CustomerRegistered(customer_id="C-1", full_name="Harbour\x00", branch="B1", registered_at=NOW)

    assert CustomerRegistered(customer_id="C-1", full_name="港口物流", branch="B1", registered_at=NOW).full_name
