from kam_shared.errors import InvalidInput


class UnknownStaff(InvalidInput):
    def __init__(self, role: str, staff_id: str) -> None:
        super().__init__(f"no staff member {staff_id}: register them with POST /v1/staff first", field=role)
