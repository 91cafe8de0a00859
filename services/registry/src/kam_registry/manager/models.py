from datetime import datetime

from sqlalchemy import Column, Index, text
from sqlmodel import Field

from kam_registry.tables import RegistryModel
from kam_shared.db import UtcDateTime


class ManagerAssignment(RegistryModel, table=True):
    """One person in one role (A primary, B backup) for one customer, from `assigned_at` until `ended_at`."""

    __tablename__ = "manager_assignment"
    __table_args__ = (
        # At most one current holder of each role per customer.
        Index(
            "uq_manager_assignment_current",
            "customer_id",
            "role",
            unique=True,
            postgresql_where=text("ended_at IS NULL"),
            sqlite_where=text("ended_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(foreign_key="customer.id", max_length=36)
    role: str = Field(max_length=1)
    staff_id: str = Field(foreign_key="staff.id", index=True, max_length=36)
    assigned_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
