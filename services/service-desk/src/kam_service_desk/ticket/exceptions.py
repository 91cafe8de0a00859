from datetime import datetime

from kam_shared.errors import InvalidInput, NotFound


class TicketNotFound(NotFound):
    def __init__(self, ticket_id: str) -> None:
        super().__init__(f"ticket {ticket_id} not found")
        self.ticket_id = ticket_id


class UnknownCustomer(InvalidInput):
    def __init__(self, customer_id: str) -> None:
        super().__init__(f"customer {customer_id} is not known to the service desk", field="customer_id")
        self.customer_id = customer_id


class ReceivedInFuture(InvalidInput):
    def __init__(self, received_at: datetime, now: datetime) -> None:
        super().__init__(
            f"received_at {received_at.isoformat()} lies in the future (now is {now.isoformat()})", field="received_at"
        )


class InvalidCursor(InvalidInput):
    def __init__(self) -> None:
        super().__init__("cursor is not one this service issued", field="cursor")
