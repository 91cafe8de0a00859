from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field

from kam_shared.db import UtcDateTime
from kam_tiering.tables import TieringModel


class GroupMembership(TieringModel, table=True):
    """Replica of customer.group_changed: each customer's parent now, so group figures roll up along parents."""

    __tablename__ = "group_membership"

    customer_id: str = Field(primary_key=True, max_length=36)
    parent_id: str | None = Field(default=None, max_length=36, index=True)
    # The registry's time of the change held: an older change arriving late changes nothing.
    changed_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
