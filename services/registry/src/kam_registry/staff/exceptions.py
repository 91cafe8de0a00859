from kam_shared.errors import NotFound


class StaffNotFound(NotFound):
    def __init__(self, staff_id: str) -> None:
        super().__init__(f"staff member {staff_id} not found")
