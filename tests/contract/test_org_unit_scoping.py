"""Org-unit scoping with two identities on every /v1 route: B (branch XM/02) neither sees nor changes what belongs to
A (branch XM/01 and its outlet XM/01/SM); A reaches its own; the company above both and a carrier-wide user see
both; a partner reads back only the billing it posted. A route no case covers fails the route census below, so a
new route cannot slip by."""

from datetime import timedelta
from importlib import import_module

from fastapi.routing import iter_route_contexts

from kam_shared.testing import eventually

from .org_units import (  # noqa: TID252
    A_UNIT,
    APPS,
    B_UNIT,
    CARRIER_WIDE,
    CASES,
    OUTLET_OF_A,
    Route,
    World,
    call,
    case,
    hidden,
    listed,
    object_route,
    reached,
    refused,
    world_of_two_branches,
)

# Reads first: the writes below change what they read.


@case(("registry", "GET", "/v1/customers"))
async def customers_list(world: World) -> None:
    ca, cb, co = (world.ids[name] for name in ("ca", "cb", "co"))
    await listed(world, "registry", "/v1/customers", "a", shows=[ca, co], hides=[cb])
    await listed(world, "registry", "/v1/customers", "b", shows=[cb], hides=[ca, co])
    await listed(world, "registry", f"/v1/customers?branch={A_UNIT}", "b", shows=[], hides=[ca])
    for who in ("company", "carrier"):
        await listed(world, "registry", "/v1/customers", who, shows=[ca, cb, co], hides=[])


@case(("registry", "GET", "/v1/customers/{customer_id}"))
async def customer_get(world: World) -> None:
    await object_route(world, "registry", "GET", lambda id_: f"/v1/customers/{id_}", "ca")
    await object_route(world, "registry", "GET", lambda id_: f"/v1/customers/{id_}", "co")


@case(("registry", "GET", "/v1/customers/{customer_id}/billing-accounts"))
async def accounts_of_customer(world: World) -> None:
    await object_route(world, "registry", "GET", lambda id_: f"/v1/customers/{id_}/billing-accounts", "ca")


@case(("registry", "GET", "/v1/billing-accounts/{account_no}"))
async def account_get(world: World) -> None:
    await hidden(world, "registry", "GET", "/v1/billing-accounts/ACC-CA")
    for who in ("a", "company", "carrier"):
        await reached(world, "registry", "GET", "/v1/billing-accounts/ACC-CA", who=who)


@case(("registry", "GET", "/v1/staff"))
async def staff_list(world: World) -> None:
    sa, sb = world.ids["sa"], world.ids["sb"]
    await listed(world, "registry", "/v1/staff", "a", shows=[sa], hides=[sb])
    await listed(world, "registry", "/v1/staff", "b", shows=[sb], hides=[sa])
    await listed(world, "registry", "/v1/staff", "carrier", shows=[sa, sb], hides=[])


@case(("registry", "GET", "/v1/staff/{staff_id}"))
async def staff_get(world: World) -> None:
    await object_route(world, "registry", "GET", lambda id_: f"/v1/staff/{id_}", "sa")


@case(("registry", "GET", "/v1/customers/{customer_id}/managers"))
async def managers_get(world: World) -> None:
    await object_route(world, "registry", "GET", lambda id_: f"/v1/customers/{id_}/managers", "ca")


@case(("registry", "GET", "/v1/managers/{staff_id}/customers"))
async def managed_customers(world: World) -> None:
    await object_route(world, "registry", "GET", lambda id_: f"/v1/managers/{id_}/customers", "sa")
    await listed(world, "registry", f"/v1/managers/{world.ids['sa']}/customers", "a", [world.ids["ca"]], [])


@case(("registry", "GET", "/v1/claims"))
async def claims_list(world: World) -> None:
    mine, theirs = world.ids["claim_ca"], world.ids["claim_cb"]
    await listed(world, "registry", "/v1/claims", "a", shows=[mine], hides=[theirs])
    await listed(world, "registry", "/v1/claims", "b", shows=[theirs], hides=[mine])
    await listed(world, "registry", "/v1/claims", "carrier", shows=[mine, theirs], hides=[])


@case(("registry", "GET", "/v1/claims/{claim_id}"))
async def claim_get(world: World) -> None:
    await object_route(world, "registry", "GET", lambda id_: f"/v1/claims/{id_}", "claim_ca")


@case(("registry", "GET", "/v1/customers/{customer_id}/group"))
async def group_get(world: World) -> None:
    ca, cb, co = (world.ids[name] for name in ("ca", "cb", "co"))
    # A group across branches: A's view of it leaves B's subsidiary out.
    joined = await world("registry", "admin").put(f"/v1/customers/{cb}/parent", json={"parent_id": ca})
    assert joined.status_code == 200, joined.text
    await object_route(world, "registry", "GET", lambda id_: f"/v1/customers/{id_}/group", "ca")
    await listed(world, "registry", f"/v1/customers/{ca}/group", "a", shows=[co], hides=[cb])
    await listed(world, "registry", f"/v1/customers/{ca}/group", "carrier", shows=[co, cb], hides=[])
    # B's customer names its parent (the link is B's), but nothing of it: not its name, not its place.
    await listed(world, "registry", f"/v1/customers/{cb}/group", "b", shows=[], hides=["Customer CA Ltd."])
    assert (await world("registry", "admin").put(f"/v1/customers/{cb}/parent", json={"parent_id": None})).is_success


@case(("registry", "GET", "/v1/customers/{customer_id}/archive"))
async def archive_get(world: World) -> None:
    await object_route(world, "registry", "GET", lambda id_: f"/v1/customers/{id_}/archive", "ca")


@case(("tiering", "GET", "/v1/customers/{customer_id}/tier"))
async def tier_get(world: World) -> None:
    await object_route(world, "tiering", "GET", lambda id_: f"/v1/customers/{id_}/tier", "ca")


@case(("tiering", "GET", "/v1/customers/{customer_id}/revenue"))
async def revenue_get(world: World) -> None:
    await object_route(world, "tiering", "GET", lambda id_: f"/v1/customers/{id_}/revenue", "ca")


@case(("tiering", "GET", "/v1/customers/{customer_id}/rfm"))
async def rfm_get(world: World) -> None:
    await object_route(world, "tiering", "GET", lambda id_: f"/v1/customers/{id_}/rfm?month=2026-10", "ca")


@case(("tiering", "GET", "/v1/rfm"))
async def rfm_list(world: World) -> None:
    ca, cb = world.ids["ca"], world.ids["cb"]
    await listed(world, "tiering", "/v1/rfm?month=2026-10", "a", shows=[ca], hides=[cb])
    await listed(world, "tiering", "/v1/rfm?month=2026-10", "b", shows=[cb], hides=[ca])
    await listed(world, "tiering", "/v1/rfm?month=2026-10", "carrier", shows=[ca, cb], hides=[])


@case(("tiering", "GET", "/v1/anomalies"))
async def anomalies_list(world: World) -> None:
    ca, cb = world.ids["ca"], world.ids["cb"]
    await listed(world, "tiering", "/v1/anomalies?month=2026-10", "a", shows=[ca], hides=[cb])
    await listed(world, "tiering", f"/v1/anomalies?month=2026-10&branch={A_UNIT}", "b", shows=[], hides=[ca])
    await listed(world, "tiering", "/v1/anomalies?month=2026-10", "company", shows=[ca, cb], hides=[])


@case(("tiering", "GET", "/v1/customers/{customer_id}/tier-override"))
async def override_get(world: World) -> None:
    await object_route(world, "tiering", "GET", lambda id_: f"/v1/customers/{id_}/tier-override", "ca")


@case(("tiering", "GET", "/v1/customers/{customer_id}/tier-override/history"))
async def override_history(world: World) -> None:
    await object_route(world, "tiering", "GET", lambda id_: f"/v1/customers/{id_}/tier-override/history", "ca")


@case(
    ("tiering", "POST", "/v1/billing-events"),
    ("tiering", "GET", "/v1/billing-accounts/waiting"),
    ("tiering", "GET", "/v1/billing/waiting"),
)
async def billing_read_back(world: World) -> None:
    """Each partner posted billing to an account nobody holds: it reads back its own, not the other's."""
    for path in ("/v1/billing-accounts/waiting", "/v1/billing/waiting"):
        await listed(world, "tiering", path, "p1", shows=["UNLINKED-p1"], hides=["UNLINKED-p2"])
        await listed(world, "tiering", path, "p2", shows=["UNLINKED-p2"], hides=["UNLINKED-p1"])
        await listed(world, "tiering", path, "a", shows=[], hides=["UNLINKED-p1", "UNLINKED-p2"])
        await listed(world, "tiering", path, "carrier", shows=["UNLINKED-p1", "UNLINKED-p2"], hides=[])


@case(("service-desk", "GET", "/v1/tickets/{ticket_id}"))
async def ticket_get(world: World) -> None:
    await object_route(world, "service-desk", "GET", lambda id_: f"/v1/tickets/{id_}", "ticket_ca")


@case(("service-desk", "GET", "/v1/tickets"))
async def tickets_list(world: World) -> None:
    mine, theirs = world.ids["ticket_ca"], world.ids["ticket_cb"]
    await listed(world, "service-desk", "/v1/tickets", "a", shows=[mine], hides=[theirs])
    await listed(world, "service-desk", "/v1/tickets", "b", shows=[theirs], hides=[mine])
    await listed(world, "service-desk", f"/v1/tickets?customer_id={world.ids['ca']}", "b", shows=[], hides=[mine])
    await listed(world, "service-desk", "/v1/tickets", "carrier", shows=[mine, theirs], hides=[])


@case(("service-desk", "GET", "/v1/customers/{customer_id}/service-level"))
async def service_level(world: World) -> None:
    await object_route(world, "service-desk", "GET", lambda id_: f"/v1/customers/{id_}/service-level", "ca")


@case(("reporting", "GET", "/v1/reports/tiers"))
async def tier_report(world: World) -> None:
    expected = {"a": 2, "b": 1, "company": 3, "carrier": 3}
    for who, customers in expected.items():
        for path in ("/v1/reports/tiers", f"/v1/reports/tiers?branch={A_UNIT}"):
            answer = await call(world, "reporting", who, "GET", path)
            assert answer.status_code == 200, answer.text
            counted = answer.json()["totals"]["customers"]
            wanted = {"a": 1, "b": 0}.get(who, 1) if "branch" in path else customers
            assert counted == wanted, f"{who} GET {path} counts {counted} customers, not {wanted}"


# Writes.


@case(("registry", "PATCH", "/v1/customers/{customer_id}"))
async def customer_patch(world: World) -> None:
    path = f"/v1/customers/{world.ids['ca']}"
    await hidden(world, "registry", "PATCH", path, json={"county": "Haicang"}, headers={"If-Match": "*"})
    await reached(world, "registry", "PATCH", path, json={"county": "Siming"}, headers={"If-Match": "*"})
    # A cannot hand its customer to another branch.
    await refused(world, "registry", "PATCH", path, 403, who="a", json={"branch": B_UNIT}, headers={"If-Match": "*"})
    assert (await world("registry", "admin").get(path)).json()["county"] == "Siming"


@case(("registry", "POST", "/v1/customers"))
async def customer_register(world: World) -> None:
    await refused(world, "registry", "POST", "/v1/customers", 403, json={"full_name": "Intruder", "branch": A_UNIT})
    answer = await reached(
        world, "registry", "POST", "/v1/customers", json={"full_name": "Outlet Two", "branch": OUTLET_OF_A}
    )
    assert answer.status_code == 201, answer.text


@case(("registry", "POST", "/v1/customers/{customer_id}/billing-accounts/{account_no}/move-out"))
async def account_move_out(world: World) -> None:
    ca, cb = world.ids["ca"], world.ids["cb"]
    day = {"effective_on": "2026-06-01"}
    await hidden(world, "registry", "POST", f"/v1/customers/{ca}/billing-accounts/ACC-CA/move-out", json=day)
    # B's own customer in the path does not reach A's account.
    await hidden(world, "registry", "POST", f"/v1/customers/{cb}/billing-accounts/ACC-CA/move-out", json=day)
    await reached(world, "registry", "POST", f"/v1/customers/{ca}/billing-accounts/ACC-CA/move-out", json=day)


@case(("registry", "POST", "/v1/customers/{customer_id}/billing-accounts"))
async def account_link(world: World) -> None:
    ca, cb = world.ids["ca"], world.ids["cb"]
    await hidden(
        world,
        "registry",
        "POST",
        f"/v1/customers/{ca}/billing-accounts",
        json={"account_no": "ACC-NEW", "effective_from": "2026-02-01"},
    )
    # Nor can B move A's account in to its own customer.
    await hidden(
        world,
        "registry",
        "POST",
        f"/v1/customers/{cb}/billing-accounts",
        json={"account_no": "ACC-CA", "effective_from": "2026-07-01"},
    )
    await reached(
        world,
        "registry",
        "POST",
        f"/v1/customers/{ca}/billing-accounts",
        json={"account_no": "ACC-CA2", "effective_from": "2026-02-01"},
    )
    assert (await world("registry", "admin").get("/v1/billing-accounts/ACC-CA")).json()["customer_id"] is None


@case(("registry", "POST", "/v1/staff"))
async def staff_register(world: World) -> None:
    await refused(world, "registry", "POST", "/v1/staff", 403, json={"name": "X", "org_unit": A_UNIT, "level": 1})
    await reached(world, "registry", "POST", "/v1/staff", json={"name": "Y", "org_unit": OUTLET_OF_A, "level": 0})


@case(("registry", "PUT", "/v1/customers/{customer_id}/managers"))
async def managers_put(world: World) -> None:
    path = f"/v1/customers/{world.ids['ca']}/managers"
    await hidden(world, "registry", "PUT", path, json={"a": world.ids["sb"], "b": None})
    # B's staff is unknown to A.
    await refused(world, "registry", "PUT", path, 422, who="a", json={"a": world.ids["sb"], "b": None})
    await reached(world, "registry", "PUT", path, json={"a": world.ids["sa"], "b": None})


@case(("registry", "POST", "/v1/claims"))
async def claim_file(world: World) -> None:
    claim = {"unit": A_UNIT, "name": "Prospect Alpha Co.", "evidence": "met them"}
    await refused(world, "registry", "POST", "/v1/claims", 403, json=claim)
    on_a = {"unit": B_UNIT, "customer_id": world.ids["ca"], "evidence": "met them"}
    await hidden(world, "registry", "POST", "/v1/claims", json=on_a)
    await reached(world, "registry", "POST", "/v1/claims", json=claim)


@case(("registry", "POST", "/v1/claims/{claim_id}/ruling"))
async def claim_ruling(world: World) -> None:
    ruling = {"decision": "rejected", "ruled_by": "marketing", "reason": "none"}
    await object_route(world, "registry", "POST", lambda id_: f"/v1/claims/{id_}/ruling", "claim_ca", json=ruling)


@case(("registry", "PUT", "/v1/customers/{customer_id}/parent"))
async def parent_put(world: World) -> None:
    ca, cb, co = (world.ids[name] for name in ("ca", "cb", "co"))
    await hidden(world, "registry", "PUT", f"/v1/customers/{co}/parent", json={"parent_id": None})
    await refused(world, "registry", "PUT", f"/v1/customers/{ca}/parent", 422, who="a", json={"parent_id": cb})
    await reached(world, "registry", "PUT", f"/v1/customers/{co}/parent", json={"parent_id": ca})


@case(
    ("registry", "PUT", "/v1/customers/{customer_id}/archive/basic"),
    ("registry", "PUT", "/v1/customers/{customer_id}/archive/extended"),
    ("registry", "PUT", "/v1/customers/{customer_id}/archive/key-persons"),
    ("registry", "PUT", "/v1/customers/{customer_id}/archive/competitors"),
)
async def archive_parts(world: World) -> None:
    for part in ("basic", "extended", "key-persons", "competitors"):
        path_of = lambda id_, part=part: f"/v1/customers/{id_}/archive/{part}"  # noqa: E731
        await object_route(world, "registry", "PUT", path_of, "ca", json={"refreshed_by": "Li"})


@case(("tiering", "PUT", "/v1/customers/{customer_id}/tier-override"))
async def override_put(world: World) -> None:
    override = {"tier": "platinum", "reason": "tender won", "expires_on": "2026-12-31"}
    await object_route(world, "tiering", "PUT", lambda id_: f"/v1/customers/{id_}/tier-override", "ca", json=override)


@case(("tiering", "DELETE", "/v1/customers/{customer_id}/tier-override"))
async def override_delete(world: World) -> None:
    await object_route(world, "tiering", "DELETE", lambda id_: f"/v1/customers/{id_}/tier-override", "ca")


@case(("service-desk", "POST", "/v1/tickets/{ticket_id}/actions"))
async def ticket_action(world: World) -> None:
    path = f"/v1/tickets/{world.ids['ticket_ca']}/actions"
    await hidden(world, "service-desk", "POST", path, json={"action": "comment", "note": "from B"})
    await refused(
        world, "service-desk", "POST", path, 422, who="a", json={"action": "assign", "staff_id": world.ids["sb"]}
    )
    await reached(world, "service-desk", "POST", path, json={"action": "comment", "note": "from A"})


@case(("service-desk", "POST", "/v1/tickets"))
async def ticket_open(world: World) -> None:
    ticket = {"customer_id": world.ids["ca"], "type": "complaint", "channel": "web", "subject": "s", "description": "d"}
    # A customer of another branch is one the desk does not know, as for an unknown id.
    answer = await call(world, "service-desk", "b", "POST", "/v1/tickets", json=ticket)
    assert answer.status_code == 409 and "customer-not-yet-known" in answer.json()["type"], answer.text
    assert (await reached(world, "service-desk", "POST", "/v1/tickets", json=ticket)).status_code == 201


@case(("registry", "GET", "/v1/archives/overdue"))
async def overdue_archives(world: World) -> None:
    # Both customers are key accounts (A's earned, B's overridden): refreshes are due within three months.
    world.clock.advance(timedelta(days=100))
    ca, cb = world.ids["ca"], world.ids["cb"]

    async def both_overdue() -> bool:
        answer = await world("registry", "carrier").get("/v1/archives/overdue")
        return ca in answer.text and cb in answer.text

    await eventually(both_overdue, what="both archives overdue")
    await listed(world, "registry", "/v1/archives/overdue", "a", shows=[ca], hides=[cb])
    await listed(world, "registry", "/v1/archives/overdue", "b", shows=[cb], hides=[ca])
    await listed(world, "registry", f"/v1/archives/overdue?branch={A_UNIT}", "b", shows=[], hides=[ca])


@case(("tiering", "GET", "/v1/customers/{customer_id}/group-revenue"))
async def group_revenue(world: World) -> None:
    await object_route(world, "tiering", "GET", lambda id_: f"/v1/customers/{id_}/group-revenue", "ca")


@case(("reporting", "GET", "/v1/reports/groups"))
async def group_report(world: World) -> None:
    # The world's `co` is a subsidiary of A's customer `ca`: a group headed in branch A.
    ca = world.ids["ca"]

    async def grouped() -> bool:
        answer = await world("reporting", "carrier").get("/v1/reports/groups")
        return ca in answer.text

    await eventually(grouped, what="the group of ca in the report")
    await listed(world, "reporting", "/v1/reports/groups", "a", shows=[ca], hides=[])
    await listed(world, "reporting", "/v1/reports/groups", "b", shows=[], hides=[ca])
    await listed(world, "reporting", "/v1/reports/groups", "company", shows=[ca], hides=[])


@case(("registry", "PATCH", "/v1/staff/{staff_id}"))
async def staff_patch(world: World) -> None:
    path = f"/v1/staff/{world.ids['sa']}"
    await hidden(world, "registry", "PATCH", path, json={"name": "from B"}, headers={"If-Match": "*"})
    # Nobody moves staff out of the units they see.
    await refused(world, "registry", "PATCH", path, 403, who="a", json={"org_unit": B_UNIT}, headers={"If-Match": "*"})
    await reached(world, "registry", "PATCH", path, json={"name": "from A"}, headers={"If-Match": "*"})


@case(
    ("registry", "POST", "/v1/imports"),
    ("registry", "GET", "/v1/imports"),
    ("registry", "GET", "/v1/imports/{import_id}"),
    ("registry", "GET", "/v1/imports/{import_id}/problems.csv"),
)
async def imports(world: World) -> None:
    # An import writes every branch's customers at once: an operator's tool, refused to a branch's users.
    data = f"客户名称,统一社会信用代码,所属分公司\n某公司,,{A_UNIT}\n".encode()
    for who in ("a", "b", "company"):
        await refused(
            world, "registry", "POST", "/v1/imports", 403, who=who, content=data, headers={"Content-Type": "text/csv"}
        )
        await refused(world, "registry", "GET", "/v1/imports", 403, who=who)
        some = "00000000-0000-0000-0000-000000000000"
        await refused(world, "registry", "GET", f"/v1/imports/{some}", 403, who=who)
        await refused(world, "registry", "GET", f"/v1/imports/{some}/problems.csv", 403, who=who)


def served_routes() -> set[Route]:
    routes = set()
    for service, module in APPS.items():
        for context in iter_route_contexts(import_module(module).create_app().routes):
            path = context.path_format
            if isinstance(path, str) and path.startswith("/v1/") and not path.startswith("/v1/admin/"):
                routes |= {(service, method, path) for method in context.methods or ()}
    return routes


def test_every_route_of_every_service_has_a_two_identity_case_or_is_carrier_wide():
    served = served_routes()
    missing = served - set(CASES) - set(CARRIER_WIDE)
    assert not missing, f"routes without a two-identity case: {sorted(missing)}"
    assert not (set(CASES) | set(CARRIER_WIDE)) - served, "cases of routes no service serves"


async def test_nothing_of_a_branch_is_visible_or_changeable_from_another(database_url):
    async with world_of_two_branches(database_url) as world:
        failures = []
        for check in dict.fromkeys(CASES.values()):  # each once, in the order defined
            try:
                await check(world)
            except AssertionError as exc:
                failures.append(f"{check.__name__}: {exc}")
        assert not failures, "\n".join(failures)
