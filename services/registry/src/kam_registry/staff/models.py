from datetime import datetime

from sqlalchemy import JSON, Boolean, Column, Integer, true
from sqlmodel import Field

from kam_registry.tables import RegistryModel
from kam_shared.db import UtcDateTime


class Staff(RegistryModel, table=True):
    """A person of an org unit: account manager, or a level the service desk escalates to."""

    __tablename__ = "staff"

    id: str = Field(primary_key=True, max_length=36)
    name: str = Field(max_length=100)
    org_unit: str = Field(max_length=50, index=True)
    level: int
    contacts: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # False once they have left: kept for the history, given no new customers or tickets.
    active: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, server_default=true()))
    # Registration is 1, each change one more: the ETag, and the sequence of staff.* events.
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    updated_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
