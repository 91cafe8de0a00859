from datetime import date

from kam_shared.errors import Conflict


class MoveNotAfterCurrentLink(Conflict):
    def __init__(self, account_no: str, current_from: date) -> None:
        super().__init__(
            f"account {account_no} is held by another customer since {current_from}; "
            "a move-in must take effect after that",
            field="effective_from",
        )
