from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field

from kam_registry.tables import RegistryModel
from kam_shared.db import UtcDateTime


class ArchivePart(RegistryModel, table=True):
    """One of the four parts of a customer's archive, as last refreshed, and by whom."""

    __tablename__ = "archive_part"

    customer_id: str = Field(foreign_key="customer.id", primary_key=True, max_length=36)
    part: str = Field(primary_key=True, max_length=20)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    refreshed_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False, index=True))
    refreshed_by: str = Field(max_length=100)
