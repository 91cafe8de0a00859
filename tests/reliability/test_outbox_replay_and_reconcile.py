"""A bus that acknowledged events and then lost them: `reconcile` finds what a consumer never applied, `outbox
replay` publishes it again, and the consumer's inbox absorbs what it already had."""

import subprocess
import sys
from datetime import timedelta

from sqlalchemy import func, select

from kam_registry.config import RegistrySettings
from kam_registry.main import create_app as create_registry
from kam_shared.messaging.inprocess import InProcessTransport
from kam_shared.messaging.ops import reconcile, replay_outbox
from kam_shared.testing import TEST_API_KEY, eventually, running
from kam_tiering.config import TieringSettings
from kam_tiering.main import create_app as create_tiering

USCCS = ["91350100M000100Y43", "911100007109288314", "91110000100006426G"]


class LosingBus:
    """The registry's view of a broker that acknowledges every record; while `losing`, it keeps none of them."""

    durable = True

    def __init__(self, inner: InProcessTransport) -> None:
        self.inner = inner
        self.losing = False

    async def send(self, records) -> int:
        if self.losing:
            return len(records)
        return await self.inner.send(records)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def customer(number: int) -> dict:
    return {
        "full_name": f"Harbour Logistics {number} Co., Ltd.",
        "uscc": USCCS[number],
        "industry": "manufacturing",
        "branch": "XM01",
        "county": "Siming",
        "address": f"{number} Harbour Road, Xiamen",
        "contacts": [{"name": "Li Wei", "role": "logistics manager", "phone": "0592-5550100"}],
    }


async def inbox_rows(app) -> int:
    inbox = app.state.runtime.definition.tables.inbox
    async with app.state.runtime.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(inbox))).scalar()


async def test_events_lost_by_the_bus_are_found_replayed_and_applied_once(database_url):
    bus = InProcessTransport()
    losing = LosingBus(bus)
    registry = create_registry(
        RegistrySettings(
            database_url=await database_url("registry"), admin_api_key=TEST_API_KEY, relay_poll_interval_s=0.1
        ),
        transport=losing,
    )
    tiering = create_tiering(
        TieringSettings(
            database_url=await database_url("tiering"),
            admin_api_key=TEST_API_KEY,
            month_close_automatic=False,
            relay_poll_interval_s=0.1,
        ),
        transport=bus,
    )
    async with running(registry, TEST_API_KEY) as reg, running(tiering, TEST_API_KEY) as tier:
        first = (await reg.post("/v1/customers", json=customer(0))).json()["id"]
        await eventually(lambda: _known(tier, first))
        losing.losing = True
        lost_from = registry.state.runtime.clock.now()
        lost = [(await reg.post("/v1/customers", json=customer(n))).json()["id"] for n in (1, 2)]
        await eventually(lambda: _all_sent(registry))
        losing.losing = False

        async def check():
            return await reconcile(
                tiering.state.runtime.engine,
                tiering.state.runtime.definition.tables,
                tiering.state.runtime.definition.subscriptions,
                registry.state.runtime.engine,
                registry.state.runtime.definition.tables,
                sent_before=registry.state.runtime.clock.now() + timedelta(seconds=1),
            )

        (before,) = await check()
        assert (before.checked, before.missing) == (3, 2)
        assert sorted(event_type for event_type, _ in before.listed) == ["customer.registered"] * 2
        for customer_id in lost:
            assert (await tier.get(f"/v1/customers/{customer_id}/tier")).status_code == 404

        applied_before = await inbox_rows(tiering)
        # Replaying from before the first customer sends it again too: the inbox absorbs it.
        replayed = await replay_outbox(
            registry.state.runtime.engine,
            registry.state.runtime.definition.tables,
            since=lost_from - timedelta(minutes=5),
        )
        registry.state.runtime.relay.wake()
        assert replayed == 3
        for customer_id in lost:
            await eventually(lambda customer_id=customer_id: _known(tier, customer_id))
        await eventually(lambda: _all_sent(registry))

        (after,) = await check()
        assert (after.checked, after.missing, after.listed) == (3, 0, [])
        assert await inbox_rows(tiering) == applied_before + 2


async def _known(client, customer_id: str) -> bool:
    return (await client.get(f"/v1/customers/{customer_id}/tier")).status_code == 200


async def _all_sent(app) -> bool:
    return await app.state.runtime.relay.pending() == 0


def test_the_commands_are_offered_and_refuse_an_instant_without_a_time_zone(tmp_path):
    command = [sys.executable, "-c", "from kam_tiering.main import run; run()"]
    env = {"KAM_DATA_DIR": str(tmp_path), "PATH": ""}
    usage = subprocess.run([*command, "reconcile", "--help"], capture_output=True, text=True, env=env, check=True)
    assert "--producer" in usage.stdout
    naive = subprocess.run(
        [*command, "outbox", "replay", "--since", "2026-12-01"], capture_output=True, text=True, env=env
    )
    assert naive.returncode == 2 and "no time zone" in naive.stderr


def test_reconcile_exits_non_zero_listing_what_a_consumer_lacks(tmp_path):
    """Across two real databases, from the command line: the tiering inbox knows none of the registry's events."""
    env = {"KAM_DATA_DIR": str(tmp_path), "PATH": "", "KAM_ADMIN_API_KEY": TEST_API_KEY}
    producer = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
    script = (
        "import asyncio\n"
        "from kam_registry.main import create_app\n"
        "from kam_shared.testing import running\n"
        f"CUSTOMER = {customer(0)!r}\n"
        "async def main():\n"
        "    app = create_app()\n"
        f"    async with running(app, {TEST_API_KEY!r}) as client:\n"
        "        assert (await client.post('/v1/customers', json=CUSTOMER)).status_code == 201\n"
        "        while await app.state.runtime.relay.pending():\n"
        "            await asyncio.sleep(0.05)\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from kam_tiering.main import run; run()",
            "reconcile",
            "--producer",
            producer,
            "--grace-s",
            "0",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 1, result.stderr
    assert "tiering <- " in result.stdout and "1 events checked, 1 missing" in result.stdout
    assert "missing customer.registered " in result.stdout
