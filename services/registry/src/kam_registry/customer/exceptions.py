from kam_shared.errors import Conflict, NotFound, PreconditionFailed, PreconditionRequired


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


class StaleVersion(PreconditionFailed):
    def __init__(self, customer_id: str, current_version: int | None) -> None:
        super().__init__(
            f"customer {customer_id} has changed since the version in If-Match; read it again and reapply the change",
            extensions={"current_etag": f'"{current_version}"'} if current_version is not None else None,
        )


class IfMatchRequired(PreconditionRequired):
    def __init__(self) -> None:
        super().__init__("a change needs If-Match with the ETag of the version it was made on")


class InvalidIfMatch(PreconditionFailed):
    def __init__(self, value: str) -> None:
        super().__init__(f"If-Match {value[:80]!r} is no ETag this service issued")


class DuplicateName(Conflict):
    def __init__(self, full_name: str, existing_id: str, existing_name: str) -> None:
        super().__init__(
            f"{existing_name!r}, registered as {existing_id}, has the same normalised name as {full_name!r}; "
            "if they are different organisations, send force=true with a reason",
            field="full_name",
            extensions={"existing_customer_id": existing_id},
        )
