"""The one org-unit predicate, in Python and in SQL, and the frame's refusal to serve an unguarded object route."""

import pytest
from fastapi import APIRouter
from sqlalchemy import Column, MetaData, String, Table, insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from kam_registry.config import RegistrySettings
from kam_registry.main import DEFINITION as REGISTRY
from kam_shared.auth import requires
from kam_shared.http import create_service_app
from kam_shared.runtime import ServiceRuntime
from kam_shared.security.principal import Principal, unit_covers
from kam_shared.security.scoping import within

UNITS = ["GZ", "GZ/01", "GZ/01/TH", "GZ/010", "GZ01", "gz/01", "GZ_01", "GZ%/01", "SZ/01"]
COVERED = {
    "GZ": {"GZ", "GZ/01", "GZ/01/TH", "GZ/010"},
    "GZ/01": {"GZ/01", "GZ/01/TH"},
    "GZ/01/TH": {"GZ/01/TH"},
    "GZ01": {"GZ01"},
    "GZ_": set(),
    "GZ%": {"GZ%/01"},
}


@pytest.mark.parametrize("unit", sorted(COVERED))
def test_a_unit_covers_itself_and_the_codes_below_it_and_nothing_else(unit):
    assert {other for other in UNITS if unit_covers(unit, other)} == COVERED[unit]
    assert not unit_covers(unit, None)


@pytest.mark.parametrize("unit", sorted(COVERED))
async def test_the_sql_condition_selects_what_the_predicate_covers(unit, tmp_path):
    metadata = MetaData()
    table = Table("thing", metadata, Column("unit", String(50)))
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'units.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(insert(table), [{"unit": other} for other in [*UNITS, None]])
        found = set((await conn.execute(select(table.c.unit).where(within(table.c.unit, unit)))).scalars())
        everything = set((await conn.execute(select(table.c.unit).where(within(table.c.unit, None)))).scalars())
    await engine.dispose()
    assert found == COVERED[unit]
    assert everything == {*UNITS, None}


def test_a_caller_without_a_unit_or_with_admin_sees_the_whole_carrier():
    assert Principal(key_id="u", scopes=frozenset({"customers:read"})).limited_to is None
    assert Principal(key_id="u", scopes=frozenset({"admin"}), org_unit="GZ/01").limited_to is None
    branch = Principal(key_id="u", scopes=frozenset({"customers:read"}), org_unit="GZ/01")
    assert branch.limited_to == "GZ/01"
    assert branch.covers("GZ/01/TH") and not branch.covers("GZ/02") and not branch.covers(None)


def test_a_service_refuses_to_start_with_a_route_naming_an_object_it_does_not_guard():
    router = APIRouter(prefix="/things", dependencies=[requires("customers:read")])

    @router.get("/{thing_id}")
    async def thing(thing_id: str) -> str:
        return thing_id

    runtime = ServiceRuntime(REGISTRY, RegistrySettings(database_url="sqlite+aiosqlite://"))
    with pytest.raises(RuntimeError, match="/v1/things/{thing_id} names thing_id without checking its org unit"):
        create_service_app(runtime, title="t", description="d", routers=[router])
