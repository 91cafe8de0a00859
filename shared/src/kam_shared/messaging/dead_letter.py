"""Dead letters: a message no retry can fix goes to `<topic>.dlq` with headers saying why."""

from kam_shared.clock import Clock
from kam_shared.events.catalog import Topics
from kam_shared.messaging.transport import IncomingRecord, OutgoingRecord


def dead_letter_of(record: IncomingRecord, *, reason: str, detail: str, consumer: str, clock: Clock) -> OutgoingRecord:
    headers = record.headers + tuple(
        (name, value.encode())
        for name, value in (
            ("kam_dlq_reason", reason),
            ("kam_dlq_detail", detail[:2000]),
            ("kam_dlq_consumer", consumer),
            ("kam_dlq_topic", record.topic),
            ("kam_dlq_partition", str(record.partition)),
            ("kam_dlq_offset", str(record.offset)),
            ("kam_dlq_at", clock.now().isoformat()),
        )
    )
    return OutgoingRecord(
        topic=Topics.dead_letter(record.topic), key=record.key, value=record.value or b"", headers=headers
    )
