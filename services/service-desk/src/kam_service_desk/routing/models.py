from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field

from kam_service_desk.tables import ServiceDeskModel
from kam_shared.db import UtcDateTime


class Staff(ServiceDeskModel, table=True):
    """The service desk's replica of the registry's staff: who can hold a ticket at which level."""

    __tablename__ = "staff"
    __table_args__ = (Index("ix_staff_level_org_unit", "level", "org_unit"),)

    staff_id: str = Field(primary_key=True, max_length=36)
    name: str = Field(max_length=200)
    org_unit: str = Field(max_length=50)
    level: int
    registered_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class CustomerManagers(ServiceDeskModel, table=True):
    """A customer's account managers A and B as the registry last assigned them (manager.assigned)."""

    __tablename__ = "customer_managers"

    customer_id: str = Field(primary_key=True, max_length=36)
    manager_a: str | None = Field(default=None, max_length=36)
    manager_b: str | None = Field(default=None, max_length=36)
    assigned_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
