from kam_shared.errors import Conflict, NotFound


class ClaimNotFound(NotFound):
    def __init__(self, claim_id: str) -> None:
        super().__init__(f"claim {claim_id} not found")


class AlreadyClaimed(Conflict):
    def __init__(self, unit: str, claim_id: str, status: str) -> None:
        super().__init__(
            f"unit {unit} already has claim {claim_id} ({status}) on this organisation",
            extensions={"existing_claim_id": claim_id},
        )


class NotInConflict(Conflict):
    def __init__(self, claim_id: str, status: str) -> None:
        super().__init__(f"claim {claim_id} is {status}: only a conflict waits for a ruling")
