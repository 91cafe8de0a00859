from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Column, Index, true
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
    # False once the registry recorded that they left: no new tickets are routed or assigned to them.
    active: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, server_default=true()))
    # The registry's per-staff sequence held (registration 1, each staff.updated one more): older changes nothing.
    sequence: int = Field(default=1, sa_column=Column(BigInteger, nullable=False, server_default="1"))
    registered_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class CustomerManagers(ServiceDeskModel, table=True):
    """A customer's account managers A and B as the registry last assigned them (manager.assigned)."""

    __tablename__ = "customer_managers"

    customer_id: str = Field(primary_key=True, max_length=36)
    manager_a: str | None = Field(default=None, max_length=36)
    manager_b: str | None = Field(default=None, max_length=36)
    assigned_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
