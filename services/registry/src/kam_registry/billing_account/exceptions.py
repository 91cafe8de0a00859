from datetime import date

from kam_shared.errors import Conflict


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
