"""A suite of four apps on one in-process bus (each with its own database: PostgreSQL when configured), the
identities the org-unit tests call with, and the objects of two branches they probe.

Units: company `XM` with branches `XM/01` (A) and `XM/02` (B); `XM/01/SM` is an outlet of A's branch."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from kam_registry.config import RegistrySettings
from kam_registry.main import create_app as create_registry
from kam_reporting.config import ReportingSettings
from kam_reporting.main import create_app as create_reporting
from kam_service_desk.config import ServiceDeskSettings
from kam_service_desk.main import create_app as create_service_desk
from kam_shared.clock import FixedClock
from kam_shared.messaging.inprocess import InProcessTransport
from kam_shared.testing import TEST_API_KEY, eventually, running
from kam_tiering.config import TieringSettings
from kam_tiering.main import create_app as create_tiering

from .conftest import SECRET, as_caller, token  # noqa: TID252

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
A_UNIT, B_UNIT, OUTLET_OF_A, COMPANY = "XM/01", "XM/02", "XM/01/SM", "XM"
SERVICES = {
    "registry": (create_registry, RegistrySettings, {}),
    "tiering": (create_tiering, TieringSettings, {"month_close_automatic": False}),
    "service-desk": (create_service_desk, ServiceDeskSettings, {"sla_automatic": False, "customer_wait_s": 0.2}),
    "reporting": (create_reporting, ReportingSettings, {}),
}
# Who calls: managers by JWT (A's branch, B's branch, the company above both, the whole carrier) and two partners'
# API keys of tiering with `billing:write` alone.
USERS = {"a": A_UNIT, "b": B_UNIT, "company": COMPANY, "carrier": None}


@dataclass
class World:
    clock: FixedClock
    clients: dict[str, dict[str, httpx.AsyncClient]] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def __call__(self, service: str, who: str) -> httpx.AsyncClient:
        return self.clients[service][who]


def bearer(sub: str, unit: str | None) -> dict[str, str]:
    claims = {"sub": sub, "roles": ["manager"], **({"org_unit": unit} if unit else {})}
    return {"Authorization": f"Bearer {token(claims)}"}


async def created(response: httpx.Response) -> str:
    assert response.status_code == 201, response.text
    return response.json()["id"]


def billing(billing_id: str, account_no: str, amount_minor: int, posted_on: str) -> dict:
    return {
        "billing_id": billing_id,
        "account_no": account_no,
        "amount_minor": amount_minor,
        "currency": "CNY",
        "business_line": "domestic_express",
        "items": 10,
        "posted_on": posted_on,
    }


@asynccontextmanager
async def world_of_two_branches(database_url) -> AsyncIterator[World]:
    clock = FixedClock(NOW)
    bus = InProcessTransport()
    world = World(clock=clock)
    async with AsyncExitStack() as stack:
        for service, (create_app, settings_class, extra) in SERVICES.items():
            settings = settings_class(
                database_url=await database_url(service),
                admin_api_key=TEST_API_KEY,
                jwt_secret=SECRET,
                rate_limit_per_s=0,
                **extra,
            )
            admin = await stack.enter_async_context(
                running(create_app(settings, transport=bus, clock=clock), TEST_API_KEY)
            )
            world.clients[service] = {"admin": admin}
            for who, unit in USERS.items():
                world.clients[service][who] = await stack.enter_async_context(
                    as_caller(admin, **bearer(f"user-{who}", unit))
                )
        for partner in ("p1", "p2"):
            issued = await world("tiering", "admin").post(
                "/v1/admin/keys", json={"name": partner, "scopes": ["billing:write"]}
            )
            assert issued.status_code == 201, issued.text
            world.clients["tiering"][partner] = await stack.enter_async_context(
                as_caller(world("tiering", "admin"), **{"X-API-Key": issued.json()["key"]})
            )
        await populate(world)
        yield world


async def populate(world: World) -> None:
    """As the operator: a customer of each branch and of A's outlet, with staff, managers, a claim, accounts,
    a group, billing, a closed month, an override and a ticket; then waits for every service to learn them."""
    registry, ids = world("registry", "admin"), world.ids
    for name, unit in (("ca", A_UNIT), ("cb", B_UNIT), ("co", OUTLET_OF_A)):
        ids[name] = await created(
            await registry.post("/v1/customers", json={"full_name": f"Customer {name.upper()} Ltd.", "branch": unit})
        )
    for name, unit in (("sa", A_UNIT), ("sb", B_UNIT)):
        ids[name] = await created(
            await registry.post("/v1/staff", json={"name": f"Staff {name}", "org_unit": unit, "level": 1})
        )
    for customer, staff in (("ca", "sa"), ("cb", "sb")):
        answer = await registry.put(f"/v1/customers/{ids[customer]}/managers", json={"a": ids[staff], "b": None})
        assert answer.status_code == 200, answer.text
    for customer, unit in (("ca", A_UNIT), ("cb", B_UNIT)):
        ids[f"claim_{customer}"] = await created(
            await registry.post("/v1/claims", json={"unit": unit, "customer_id": ids[customer], "evidence": "visited"})
        )
        link = {"account_no": f"ACC-{customer.upper()}", "effective_from": "2026-01-01"}
        answer = await registry.post(f"/v1/customers/{ids[customer]}/billing-accounts", json=link)
        assert answer.status_code == 201, answer.text
    answer = await registry.put(f"/v1/customers/{ids['co']}/parent", json={"parent_id": ids["ca"]})
    assert answer.status_code == 200, answer.text

    tiering = world("tiering", "admin")

    async def tiering_knows() -> bool:
        for customer in ("ca", "cb", "co"):
            if (await tiering.get(f"/v1/customers/{ids[customer]}/tier")).status_code != 200:
                return False
        return True

    await eventually(tiering_knows, what="tiering learns the customers")
    events = [billing(f"BILL-{c}", f"ACC-{c.upper()}", 2_000_000, "2026-09-10") for c in ("ca", "cb")]
    assert (await tiering.post("/v1/billing-events", json={"events": events})).status_code == 202
    for partner in ("p1", "p2"):
        event = billing(f"{partner}-1", f"UNLINKED-{partner}", 1_000, "2026-11-10")
        answer = await world("tiering", partner).post("/v1/billing-events", json={"events": [event]})
        assert answer.status_code == 202, answer.text

    async def revenue_counted() -> bool:
        for customer in ("ca", "cb"):
            series = await tiering.get(f"/v1/customers/{ids[customer]}/revenue?from=2026-09&to=2026-09")
            if series.status_code != 200 or series.json()["total_minor"] == 0:
                return False
        return True

    await eventually(revenue_counted, what="the billing counts")
    assert (await tiering.post("/v1/months/2026-10/close")).status_code == 200
    override = {"tier": "gold", "reason": "strategic account", "expires_on": "2026-12-31"}
    for customer in ("ca", "cb"):
        answer = await tiering.put(f"/v1/customers/{ids[customer]}/tier-override", json=override)
        assert answer.status_code == 200, answer.text

    desk = world("service-desk", "admin")
    for customer in ("ca", "cb"):
        ticket = {
            "customer_id": ids[customer],
            "type": "inquiry",
            "channel": "phone",
            "subject": "s",
            "description": "d",
        }
        ids[f"ticket_{customer}"] = await created(await desk.post("/v1/tickets", json=ticket))

    async def desk_knows_staff() -> bool:
        action = {"action": "assign", "staff_id": ids["sb"]}
        return (await desk.post(f"/v1/tickets/{ids['ticket_cb']}/actions", json=action)).status_code == 200

    await eventually(desk_knows_staff, what="the service desk learns the staff")

    async def reporting_counts() -> bool:
        report = await world("reporting", "admin").get("/v1/reports/tiers")
        return report.status_code == 200 and report.json()["totals"]["customers"] == 3

    await eventually(reporting_counts, what="reporting counts the customers")

    async def registry_learns_the_override() -> bool:
        for customer in ("ca", "cb"):
            if (await registry.get(f"/v1/customers/{ids[customer]}")).json()["tier"] != "gold":
                return False
        return True

    await eventually(registry_learns_the_override, what="the registry learns the overridden tier")


# Checks the cases of test_org_unit_scoping use, and the registry of those cases.
Route = tuple[str, str, str]  # service, method, path template
Check = Callable[[World], Awaitable[None]]
CASES: dict[Route, Check] = {}
# Routes with nothing of one branch in them, and why.
CARRIER_WIDE: dict[Route, str] = {
    ("tiering", "POST", "/v1/months/{month}/close"): "closing a month is `admin`, carrier-wide by definition",
    ("tiering", "GET", "/v1/months"): "when each month was closed and how many customers it evaluated: no customer",
}
APPS = {
    "registry": "kam_registry.main",
    "tiering": "kam_tiering.main",
    "service-desk": "kam_service_desk.main",
    "reporting": "kam_reporting.main",
}


def case(*routes: Route) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        for route in routes:
            assert route not in CASES, f"{route} has two cases"
            CASES[route] = check
        return check

    return register


async def call(world: World, service: str, who: str, method: str, path: str, **kwargs) -> httpx.Response:
    return await world(service, who).request(method, path, **kwargs)


async def hidden(world: World, service: str, method: str, path: str, who: str = "b", **kwargs) -> None:
    answer = await call(world, service, who, method, path, **kwargs)
    assert answer.status_code == 404, f"{who} {method} {path}: {answer.status_code} {answer.text}"


async def reached(world: World, service: str, method: str, path: str, who: str = "a", **kwargs) -> httpx.Response:
    """The caller gets to the object: whatever the route then decides, it is neither refused nor not found."""
    answer = await call(world, service, who, method, path, **kwargs)
    assert answer.status_code not in (401, 403, 404) and answer.status_code < 500, (
        f"{who} {method} {path}: {answer.status_code} {answer.text}"
    )
    return answer


async def refused(world: World, service: str, method: str, path: str, status: int, who: str = "b", **kwargs) -> None:
    answer = await call(world, service, who, method, path, **kwargs)
    assert answer.status_code == status, f"{who} {method} {path}: {answer.status_code} {answer.text}"


async def listed(world: World, service: str, path: str, who: str, shows: list[str], hides: list[str]) -> None:
    answer = await call(world, service, who, "GET", path)
    assert answer.status_code == 200, f"{who} GET {path}: {answer.status_code} {answer.text}"
    for value in shows:
        assert value in answer.text, f"{who} GET {path} leaves out {value}"
    for value in hides:
        assert value not in answer.text, f"{who} GET {path} shows {value}"


async def object_route(world: World, service: str, method: str, path_of: Callable[[str], str], owner: str, **kw):
    """B gets 404 on A's object, A and the units above reach it (reads: the carrier-wide user too)."""
    path = path_of(world.ids[owner])
    await hidden(world, service, method, path, **kw)
    await reached(world, service, method, path, **kw)
    if method in ("GET", "HEAD"):
        await reached(world, service, method, path, who="company", **kw)
        await reached(world, service, method, path, who="carrier", **kw)
