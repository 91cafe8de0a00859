from kam_shared.errors import Conflict, NotFound


class CustomerNotFound(NotFound):
    def __init__(self, customer_id: str) -> None:
        super().__init__(f"customer {customer_id} not found")
        self.customer_id = customer_id


class DuplicateUscc(Conflict):
    def __init__(self, uscc: str, existing_id: str) -> None:
        super().__init__(
            f"a customer with USCC {uscc} is already registered as {existing_id}",
            field="uscc",
            extensions={"existing_customer_id": existing_id},
        )
        self.uscc = uscc
        self.existing_id = existing_id
