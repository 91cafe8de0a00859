from datetime import datetime

from sqlalchemy import JSON, Column
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
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
