"""Absurd input is refused with a 422 naming what is wrong, never a server error (run on PostgreSQL too: it
cannot store NUL, where SQLite can)."""

import pytest

from .conftest import customer_in  # noqa: TID252

LONG = "x" * 10_000


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"full_name": "Harbour\x00Logistics"}, "full_name"),
        ({"short_name": "\x00"}, "short_name"),
        ({"address": "1 Harbour Road\x00"}, "address"),
        ({"contacts": [{"name": "Li\x00Wei"}]}, "contacts"),
        ({"full_name": LONG}, "full_name"),
        ({"full_name": 12345}, "full_name"),
        ({"branch": ["XM01"]}, "branch"),
        ({"important": "perhaps"}, "important"),
        ({"contacts": [{"name": "Li Wei"}] * 51}, "contacts"),
        ({"agreement": {"signed_on": "2026-02-30"}}, "agreement.signed_on"),
        # Lax parsing would read a number as a Unix time: 0 is 1970-01-01.
        ({"agreement": {"signed_on": 0}}, "agreement.signed_on"),
        ({"agreement": {"signed_on": "2026-01-01", "expires_on": 1798761600}}, "agreement.expires_on"),
        # Strict types: lax parsing would store these as true.
        ({"important": "yes"}, "important"),
        ({"important": 1}, "important"),
        ({"potential": "true"}, "potential"),
        ({"full_name": "   "}, "full_name"),
        ({"full_name": "Harbour\x07Logistics"}, "full_name"),
        ({"branch": "XM\x1b01"}, "branch"),
        ({"contacts": [{"name": "Li Wei", "nickname": "Xiao Li"}]}, "contacts.0.nickname"),
        ({"contacts": [{"name": " "}]}, "contacts.0.name"),
        ({"agreement": {"signed_on": "2026-01-01", "note": "x"}}, "agreement.note"),
    ],
)
async def test_an_absurd_customer_is_refused_naming_the_field(client, overrides, field):
    response = await client.post("/v1/customers", json=customer_in(**overrides))

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


async def test_a_name_in_any_script_is_accepted(client):
    response = await client.post("/v1/customers", json=customer_in(full_name="厦门港口物流有限公司 🚚", uscc=None))

    assert response.status_code == 201, response.text
    assert response.json()["full_name"] == "厦门港口物流有限公司 🚚"


@pytest.mark.parametrize("customer_id", [LONG, "a%00b", "%00", "a%0Ab"])
async def test_an_absurd_customer_id_in_the_path_is_refused(client, customer_id):
    read = await client.get(f"/v1/customers/{customer_id}")
    linked = await client.post(
        f"/v1/customers/{customer_id}/billing-accounts", json={"account_no": "A-1", "effective_from": "2026-01-01"}
    )

    assert (read.status_code, linked.status_code) == (422, 422), (read.text, linked.text)
    assert read.json()["errors"][0]["field"] == "customer_id"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"account_no": "A\x00", "effective_from": "2026-01-01"}, "account_no"),
        ({"account_no": LONG, "effective_from": "2026-01-01"}, "account_no"),
        ({"account_no": 42, "effective_from": "2026-01-01"}, "account_no"),
        ({"account_no": "A-1", "effective_from": "+10000-01-01"}, "effective_from"),
        ({"account_no": "A-1", "effective_from": -1}, "effective_from"),
        # Lax parsing would read a number as a Unix time (0 is 1970-01-01, 1767225600 is 2026-01-01).
        ({"account_no": "A-1", "effective_from": 0}, "effective_from"),
        ({"account_no": "A-1", "effective_from": 1767225600}, "effective_from"),
        # Billing is posted in 2000..2100 only: a link from outside those years is a typo.
        ({"account_no": "A-1", "effective_from": "1970-01-01"}, "effective_from"),
        ({"account_no": "A-1", "effective_from": "9999-12-31"}, "effective_from"),
    ],
)
async def test_an_absurd_link_is_refused_naming_the_field(client, customer_id, body, field):
    response = await client.post(f"/v1/customers/{customer_id}/billing-accounts", json=body)

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"level": True}, "level"),
        ({"level": "1"}, "level"),
        ({"level": 1.0}, "level"),
        ({"name": "\t"}, "name"),
        ({"contacts": [{"kind": "phone", "value": "1\x0b2"}]}, "contacts.0.value"),
    ],
)
async def test_an_absurd_staff_member_is_refused_naming_the_field(client, overrides, field):
    body = {"name": "Chen Jing", "org_unit": "XM01", "level": 1, **overrides}

    response = await client.post("/v1/staff", json=body)

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize(
    ("competitors", "field"),
    [
        ([{"name": "SF", "share_percent": True}], "competitors.0.share_percent"),
        ([{"name": "SF", "share_percent": "50"}], "competitors.0.share_percent"),
        ([{"name": "SF", "share_percent": 60}, {"name": "JD", "share_percent": 50}], "competitors"),
    ],
)
async def test_absurd_competitors_are_refused_naming_the_field(client, customer_id, competitors, field):
    response = await client.put(
        f"/v1/customers/{customer_id}/archive/competitors",
        json={"refreshed_by": "Chen Jing", "competitors": competitors},
    )

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


async def test_text_may_hold_tabs_and_line_breaks(client):
    response = await client.post("/v1/customers", json=customer_in(address="1 Harbour Road\nBuilding 2\tGate 3"))

    assert response.status_code == 201, response.text
