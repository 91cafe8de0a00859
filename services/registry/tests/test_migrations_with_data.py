"""The registry's migrations upgrade a database that already holds customers and accounts, and keep them."""

import asyncio
from pathlib import Path

from alembic import command
from sqlalchemy import text

import kam_registry
from kam_shared.db import create_engine
from kam_shared.migrations import alembic_config

# The schema as the walking skeleton left it, before the customer master grew.
BEFORE = "05c88739f4b7"


async def execute(url: str, *statements: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            rows: list[tuple] = []
            for statement in statements:
                result = await conn.execute(text(statement))
                rows = [tuple(row) for row in result] if result.returns_rows else []
            return rows
    finally:
        await engine.dispose()


async def test_existing_customers_and_accounts_survive_the_upgrade_and_read_as_before(database_url):
    url = await database_url("registry")
    config = alembic_config(Path(kam_registry.__file__).parent / "migrations", url)
    await asyncio.to_thread(command.upgrade, config, BEFORE)
    await execute(
        url,
        "INSERT INTO customer (id, full_name, normalized_name, branch, contacts, important, potential, version,"
        " created_at, updated_at) VALUES ('c-1', '厦门港务物流有限责任公司', 'old-form', 'XM01', '[]', false, false, 3,"
        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        "INSERT INTO billing_account (account_no, customer_id, effective_from, linked_at)"
        " VALUES ('A-1', 'c-1', '2026-01-01', CURRENT_TIMESTAMP)",
        "INSERT INTO billing_account_link (account_no, customer_id, effective_from, linked_at)"
        " VALUES ('A-1', 'c-1', '2026-01-01', CURRENT_TIMESTAMP)",
    )

    await asyncio.to_thread(command.upgrade, config, "head")

    [customer] = await execute(
        url, "SELECT id, version, tier, tier_sequence, normalized_name, duplicate_of FROM customer"
    )
    assert customer == ("c-1", 3, "standard", 0, "厦门港务物流有限公司", None)
    [account] = await execute(url, "SELECT account_no, customer_id FROM billing_account")
    assert account == ("A-1", "c-1")


async def test_staff_registered_before_they_could_change_or_leave_read_as_serving_at_version_1(database_url):
    url = await database_url("registry")
    config = alembic_config(Path(kam_registry.__file__).parent / "migrations", url)
    await asyncio.to_thread(command.upgrade, config, "5bcd6bd6d36f")
    await execute(
        url,
        "INSERT INTO customer (id, full_name, normalized_name, branch, contacts, important, potential, version,"
        " created_at, updated_at, tier, tier_sequence) VALUES ('c-1', '厦门港务物流有限公司', '厦门港务物流有限公司',"
        " 'XM01', '[]', false, false, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'vip', 2)",
        "INSERT INTO staff (id, name, org_unit, level, contacts, created_at)"
        " VALUES ('s-1', '林晓', 'XM01', 1, '[{\"kind\": \"mobile\", \"value\": \"13800000000\"}]', CURRENT_TIMESTAMP)",
        "INSERT INTO manager_assignment (customer_id, role, staff_id, assigned_at)"
        " VALUES ('c-1', 'a', 's-1', CURRENT_TIMESTAMP)",
    )

    await asyncio.to_thread(command.upgrade, config, "head")

    [staff] = await execute(url, "SELECT id, name, active, version, updated_at FROM staff")
    assert (staff[0], staff[1], bool(staff[2]), staff[3], staff[4]) == ("s-1", "林晓", True, 1, None)
    [assignment] = await execute(url, "SELECT customer_id, role, staff_id, ended_at FROM manager_assignment")
    assert assignment == ("c-1", "a", "s-1", None)
