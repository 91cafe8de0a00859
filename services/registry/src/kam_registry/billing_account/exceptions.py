from datetime import date

from kam_shared.errors import Conflict, NotFound


class MoveNotAfterCurrentLink(Conflict):
    def __init__(self, account_no: str, current_from: date) -> None:
        super().__init__(
            f"account {account_no} is held by another customer since {current_from}; "
            "a move-in must take effect after that",
            field="effective_from",
        )


class AlreadyLinkedFromAnotherDate(Conflict):
    def __init__(self, account_no: str, customer_id: str, linked_from: date) -> None:
        super().__init__(
            f"account {account_no} is already linked to customer {customer_id} since {linked_from}; "
            "the date of a link is not changed by linking again",
            field="effective_from",
            extensions={"effective_from": linked_from.isoformat()},
        )


class HeldUntil(Conflict):
    def __init__(self, account_no: str, customer_id: str, closed_on: date) -> None:
        super().__init__(
            f"account {account_no} was held by customer {customer_id} until it moved out on {closed_on}; "
            "a new holder may take it from that day on, never earlier",
            field="effective_from",
            extensions={"closed_on": closed_on.isoformat()},
        )


class BillingAccountNotFound(NotFound):
    def __init__(self, account_no: str) -> None:
        super().__init__(f"billing account {account_no} not found")


class NotTheHolder(Conflict):
    def __init__(self, account_no: str, customer_id: str) -> None:
        super().__init__(f"customer {customer_id} does not hold account {account_no}")


class AlreadyClosed(Conflict):
    def __init__(self, account_no: str, closed_on: date) -> None:
        super().__init__(
            f"account {account_no} already moved out on {closed_on}",
            extensions={"closed_on": closed_on.isoformat()},
        )


class MoveOutNotAfterLink(Conflict):
    def __init__(self, account_no: str, effective_from: date) -> None:
        super().__init__(
            f"account {account_no} is held since {effective_from}; a move-out must take effect after that",
            field="effective_on",
        )
