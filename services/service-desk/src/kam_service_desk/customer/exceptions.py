from kam_shared.errors import NotFound


class CustomerNotKnown(NotFound):
    def __init__(self, customer_id: str) -> None:
        super().__init__(f"customer {customer_id} is not known to the service desk")
        self.customer_id = customer_id
