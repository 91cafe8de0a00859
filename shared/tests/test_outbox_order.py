"""On PostgreSQL ids are handed out at INSERT and rows appear at COMMIT: the relay still publishes in id order."""

import pytest
from sqlalchemy import insert

from kam_shared.events.catalog import Topics
from kam_shared.events.envelope import decode
from kam_shared.messaging.inprocess import InProcessTransport
from kam_shared.messaging.outbox import LocalLease, OutboxRelay
from kam_shared.testing import eventually

from .conftest import registered  # noqa: TID252


@pytest.fixture
def relay(harness) -> OutboxRelay:
    if harness.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers: ids are commit order there")
    return OutboxRelay(
        engine=harness.engine,
        table=harness.tables.outbox,
        transport=InProcessTransport(),
        clock=harness.clock,
        metrics=harness.metrics,
        lease=LocalLease(),
    )


def published(relay: OutboxRelay) -> list[str]:
    return [decode(r.value, r.headers).data.full_name for r in relay._transport.records(Topics.REGISTRY)]


async def publish(relay: OutboxRelay, until: int) -> list[str]:
    """Pumps until that many events are out: any transaction running in the cluster may hold rows back a while."""

    async def enough() -> bool:
        await relay.pump_once()
        return len(published(relay)) >= until

    await eventually(enough, what=f"{until} events published")
    return published(relay)


async def test_a_row_committed_before_an_earlier_one_waits_for_it(harness, relay):
    async with harness.sessions() as first, first.begin():
        await harness.outbox.add(first, [registered("C-1", "written first")])
        async with harness.sessions() as second, second.begin():
            await harness.outbox.add(second, [registered("C-1", "written second")])

        assert await relay.pump_once() == 0
        assert published(relay) == []
        assert harness.metrics.registry.get_sample_value("kam_outbox_pending") == 1

    assert await publish(relay, until=2) == ["written first", "written second"]


async def test_a_transaction_that_began_writing_earlier_but_took_a_later_id_waits_for_the_earlier_id(harness, relay):
    early, late = harness.sessions(), harness.sessions()
    try:
        # The early transaction gets its transaction id now, before the late one takes its outbox id.
        await early.execute(insert(harness.tally), [{"name": "other work", "count": 1}])
        await harness.outbox.add(late, [registered("C-1", "takes the earlier id")])
        await harness.outbox.add(early, [registered("C-1", "takes the later id")])
        await early.commit()

        assert await relay.pump_once() == 0
        await late.commit()
    finally:
        await early.close()
        await late.close()

    assert await publish(relay, until=2) == ["takes the earlier id", "takes the later id"]


async def test_rows_held_back_by_a_running_transaction_are_published_as_a_prefix_in_id_order(harness, relay):
    async with harness.sessions() as session, session.begin():
        await harness.outbox.add(session, [registered("C-1", "one"), registered("C-2", "two")])
    async with harness.sessions() as open_, open_.begin():
        await harness.outbox.add(open_, [registered("C-1", "three")])
        async with harness.sessions() as session, session.begin():
            await harness.outbox.add(session, [registered("C-1", "four")])

        assert await publish(relay, until=2) == ["one", "two"]
        assert await relay.pump_once() == 0

    assert await publish(relay, until=4) == ["one", "two", "three", "four"]
