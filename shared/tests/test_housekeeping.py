from datetime import timedelta

from sqlalchemy import func, insert, select, update

from kam_shared.messaging.housekeeping import Housekeeper

from .conftest import NOW, registered  # noqa: TID252


async def test_sent_outbox_rows_and_old_inbox_entries_are_swept_and_nothing_else(harness):
    outbox, inbox = harness.tables.outbox, harness.tables.inbox
    async with harness.sessions() as session, session.begin():
        await harness.outbox.add(session, [registered("sent-long-ago"), registered("sent-today"), registered("unsent")])
        await session.execute(
            update(outbox).where(outbox.c.message_key == b"sent-long-ago").values(sent_at=NOW - timedelta(days=8))
        )
        await session.execute(
            update(outbox).where(outbox.c.message_key == b"sent-today").values(sent_at=NOW - timedelta(hours=1))
        )
        await session.execute(
            insert(inbox).values(event_type="t"),
            [
                {"consumer": "c", "source": "", "event_id": "old", "processed_at": NOW - timedelta(days=31)},
                {"consumer": "c", "source": "", "event_id": "recent", "processed_at": NOW - timedelta(days=29)},
                # The same id from another source is another event, with its own age.
                {"consumer": "c", "source": "/partner", "event_id": "old", "processed_at": NOW - timedelta(days=29)},
            ],
        )
    keeper = Housekeeper(
        engine=harness.engine,
        tables=harness.tables,
        clock=harness.clock,
        outbox_retention=timedelta(days=7),
        inbox_retention=timedelta(days=30),
    )

    assert await keeper.sweep() == (1, 1)

    async with harness.sessions() as session:
        keys = set((await session.execute(select(outbox.c.message_key))).scalars())
        remembered = {tuple(row) for row in await session.execute(select(inbox.c.source, inbox.c.event_id))}
        assert (await session.execute(select(func.count()).select_from(outbox))).scalar_one() == 2
    assert keys == {b"sent-today", b"unsent"}
    assert remembered == {("", "recent"), ("/partner", "old")}
    assert await keeper.sweep() == (0, 0)
