from datetime import datetime

from kam_shared.errors import Conflict, InvalidInput, NotFound


class TicketNotFound(NotFound):
    def __init__(self, ticket_id: str) -> None:
        super().__init__(f"ticket {ticket_id} not found")
        self.ticket_id = ticket_id


class CustomerNotYetKnown(Conflict):
    """The registry may have registered the customer a moment ago: the desk learns of it through the bus."""

    slug = "customer-not-yet-known"
    RETRY_AFTER_S = 1

    def __init__(self, customer_id: str, waited_s: float) -> None:
        super().__init__(
            f"customer {customer_id} is not known to the service desk (yet: waited {waited_s:g} s for its "
            "registration to arrive); retry shortly, or check the id if the customer was not just registered",
            field="customer_id",
            headers={"Retry-After": str(self.RETRY_AFTER_S)},
            extensions={"customer_id": customer_id},
        )
        self.customer_id = customer_id


class ReceivedInFuture(InvalidInput):
    def __init__(self, received_at: datetime, now: datetime) -> None:
        super().__init__(
            f"received_at {received_at.isoformat()} lies in the future (now is {now.isoformat()})", field="received_at"
        )


class InvalidTransition(Conflict):
    slug = "invalid-transition"

    def __init__(self, ticket_id: str, action: str, status: str, allowed_from: list[str]) -> None:
        allowed = ", ".join(allowed_from)
        super().__init__(
            f"ticket {ticket_id} is {status}: {action} applies only to a ticket that is {allowed}",
            extensions={"ticket_status": status, "action": action, "allowed_from": allowed_from},
        )


class AtTopLevel(Conflict):
    slug = "at-top-level"

    def __init__(self, ticket_id: str, level: int) -> None:
        super().__init__(f"ticket {ticket_id} is at level {level}, the top level: it cannot be escalated further")


class StaffNotKnown(InvalidInput):
    def __init__(self, staff_id: str) -> None:
        super().__init__(f"staff {staff_id} is not known to the service desk", field="staff_id")


class StaffHasLeft(InvalidInput):
    def __init__(self, staff_id: str) -> None:
        super().__init__(f"staff {staff_id} has left and can hold no tickets", field="staff_id")
