from kam_shared.errors import Conflict, InvalidInput, NotFound, PreconditionFailed


class StaffNotFound(NotFound):
    def __init__(self, staff_id: str) -> None:
        super().__init__(f"staff member {staff_id} not found")


class StaleStaffVersion(PreconditionFailed):
    def __init__(self, staff_id: str, current_version: int) -> None:
        super().__init__(
            f"staff member {staff_id} changed since the version in If-Match; read them again and reapply the change",
            extensions={"current_etag": f'"{current_version}"'},
        )


class StaffStillManaging(Conflict):
    def __init__(self, staff_id: str, customers: int) -> None:
        super().__init__(
            f"staff member {staff_id} still manages {customers} customer(s) as A or B: assign other managers"
            f" (GET /v1/managers/{staff_id}/customers lists them) before recording that they have left",
            field="active",
        )


class StaffHasLeft(InvalidInput):
    def __init__(self, role: str, staff_id: str) -> None:
        super().__init__(f"staff member {staff_id} has left and can be given no customers", field=role)
