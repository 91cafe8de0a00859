from datetime import datetime

from sqlalchemy import JSON, Column, Integer
from sqlmodel import Field

from kam_registry.tables import RegistryModel
from kam_shared.db import UtcDateTime


class CustomerImport(RegistryModel, table=True):
    """One import of a customer master file: its state, its counts as it goes, and the rows it did not take."""

    __tablename__ = "customer_import"

    id: str = Field(primary_key=True, max_length=36)
    # queued -> running -> done | failed; interrupted when the service stopped before it ended.
    state: str = Field(max_length=20)
    dry_run: bool
    file_format: str = Field(max_length=10)
    encoding: str | None = Field(default=None, max_length=20)
    requested_by: str | None = Field(default=None, max_length=200)
    rows_total: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    rows_done: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    customers_created: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    customers_updated: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    customers_unchanged: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    accounts_linked: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    rows_rejected: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    # [{row, column, reason}], the first MAX_PROBLEMS of them; the counts cover all.
    problems: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False, index=True))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
