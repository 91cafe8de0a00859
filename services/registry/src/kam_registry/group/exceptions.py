from kam_shared.errors import Conflict, InvalidInput


class UnknownParent(InvalidInput):
    def __init__(self, parent_id: str) -> None:
        super().__init__(f"no customer {parent_id} to be the parent", field="parent_id")


class GroupCycle(Conflict):
    def __init__(self, customer_id: str, parent_id: str) -> None:
        super().__init__(
            f"customer {parent_id} is {customer_id} itself or one of its subsidiaries: a group cannot loop",
            field="parent_id",
        )
