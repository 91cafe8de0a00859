from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

ImportState = Literal["queued", "running", "done", "failed", "interrupted"]


class ImportProblem(BaseModel):
    row: int = Field(description="the row's number as a spreadsheet shows it (the header's row counts)")
    column: str = Field(description="the column's header as written in the file, or the field's name")
    reason: str


class ImportRead(BaseModel):
    """An import and how far it has come; with `dry_run` the counts say what a real run would do."""

    id: str
    state: ImportState
    dry_run: bool
    file_format: Literal["csv", "xlsx"]
    encoding: str | None = Field(description="the text encoding a CSV file was read in")
    rows_total: int = Field(description="data rows in the file (blank rows not counted)")
    rows_done: int = Field(description="rows checked (and, unless a dry run, applied) so far")
    customers_created: int
    customers_updated: int
    customers_unchanged: int
    accounts_linked: int
    rows_rejected: int
    problems: list[ImportProblem] = Field(description="the first rows not taken; all of them: GET .../problems.csv")
    problems_listed: int = Field(description="how many problems the import kept (at most 10,000)")
    error: str | None = Field(description="why the import failed, when it did")
    created_at: datetime
    finished_at: datetime | None


class ImportPage(BaseModel):
    items: list[ImportRead]
