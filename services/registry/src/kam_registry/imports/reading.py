"""A file brought in, as a header and rows of text: CSV (UTF-8, or GB18030 as Chinese Excel writes it) or XLSX.

A register often opens with a title row, or with a header over two rows whose upper cells are merged across the
columns below them (联系人 over 姓名 / 电话). The header row is the one among the first rows that names the most
known fields; a merged cell counts in every cell it covers, and a header that names nothing on its own is read
together with the merged header above it."""

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal
from xml.etree import ElementTree

from kam_registry.imports.columns import field_of
from kam_shared.errors import FieldError, InvalidInput

Format = Literal["csv", "xlsx"]
Encoding = Literal["auto", "utf-8", "gb18030"]

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows a header may be looked for in, and the bounds of one import.
HEADER_SEARCH_ROWS = 10
MAX_ROWS = 200_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 2_000
# An XLSX is a zip: what it may unpack to, so a small file cannot expand without bound.
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Table:
    """The header as written, and each data row with its number as a spreadsheet shows it (the first row is 1)."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str | None


def read_table(data: bytes, *, file_format: Format, encoding: Encoding, mapping: dict[str, str]) -> Table:
    if not data:
        raise InvalidInput("the file is empty", field="body")
    lines = _xlsx_rows(data) if file_format == "xlsx" else _csv_rows(data, encoding)
    return _table(lines[0], lines[1], mapping)


def _csv_rows(data: bytes, encoding: Encoding) -> tuple[Iterator[tuple[int, list[str]]], str]:
    text, used = _decoded(data, encoding)
    reader = csv.reader(io.StringIO(text, newline=""))

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for row in reader:
                yield reader.line_num, row
        except csv.Error as error:
            raise InvalidInput(f"not a readable CSV file: {error}", field="body") from None

    return rows(), used


def _decoded(data: bytes, encoding: Encoding) -> tuple[str, str]:
    if encoding == "auto":
        if data.startswith(b"\xef\xbb\xbf"):
            return _decode(data, "utf-8-sig"), "utf-8"
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            return _decode(data, "gb18030"), "gb18030"
    return _decode(data, "utf-8-sig" if encoding == "utf-8" else encoding), encoding


def _decode(data: bytes, codec: str) -> str:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"the file is not {codec.removesuffix('-sig')} text (byte {error.start}); "
            "pass encoding=gb18030 or utf-8 as the file was written",
            field="encoding",
        ) from None
    if "\x00" in text:
        raise InvalidInput("the file holds NUL characters: is it a spreadsheet sent as CSV?", field="body")
    return text


def _xlsx_rows(data: bytes) -> tuple[Iterator[tuple[int, list[str]]], None]:
    import openpyxl

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise InvalidInput("the workbook unpacks to more than 1 GiB", field="body")
        merged = _merged_ranges(archive)
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except InvalidInput:
        raise
    except Exception as error:  # openpyxl and zipfile raise many kinds for a file that is no workbook
        raise InvalidInput(f"not a readable XLSX workbook: {type(error).__name__}", field="body") from None
    sheet = workbook.worksheets[0]

    def rows() -> Iterator[tuple[int, list[str]]]:
        # A merged range shows its top-left value in every cell it covers; the top-left comes first in order.
        fills: dict[tuple[int, int], str] = {}
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                row = [_cell_text(value) for value in values[:MAX_COLUMNS]]
                for top, left, bottom, right in merged:
                    if top == number and left <= len(row):
                        for r in range(top, bottom + 1):
                            for c in range(left, right + 1):
                                fills[(r, c)] = row[left - 1]
                for (r, c), value in list(fills.items()):
                    if r == number:
                        while len(row) < c:
                            row.append("")
                        row[c - 1] = row[c - 1] or value
                        del fills[(r, c)]
                yield number, row
        finally:
            workbook.close()

    return rows(), None


_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _merged_ranges(archive: zipfile.ZipFile) -> list[tuple[int, int, int, int]]:
    """The first sheet's merged ranges as (top row, left column, bottom row, right column), 1-based."""
    from openpyxl.utils.cell import range_boundaries

    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    first = workbook.find(f"{_SHEET_NS}sheets/{_SHEET_NS}sheet")
    if first is None:
        return []
    rel_id = first.get(f"{_REL_NS}id")
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next((rel.get("Target") for rel in rels if rel.get("Id") == rel_id), None)
    if target is None:
        return []
    path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    ranges = []
    with archive.open(path) as sheet:
        for _event, element in ElementTree.iterparse(sheet):
            if element.tag == f"{_SHEET_NS}mergeCell":
                left, top, right, bottom = range_boundaries(element.get("ref", ""))
                ranges.append((top, left, bottom, right))
            element.clear()
    return ranges


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _table(lines: Iterator[tuple[int, list[str]]], encoding: str | None, mapping: dict[str, str]) -> Table:
    head: list[tuple[int, list[str]]] = []
    for line in lines:
        head.append(line)
        if len(head) == HEADER_SEARCH_ROWS:
            break
    if not head:
        raise InvalidInput("the file holds no rows", field="body")
    best, best_count = None, 0
    for index, (_number, row) in enumerate(head):
        above = head[index - 1][1] if index else []
        count = len({field_of(header, mapping) for header in _headers(row, above, mapping)} - {None})
        if count > best_count:
            best, best_count = index, count
    if best is None:
        raise InvalidInput(
            "no header row names a field the import knows (full_name or 客户名称, uscc or 统一社会信用代码, ...)",
            field="body",
        )
    headers = _headers(head[best][1], head[best - 1][1] if best else [], mapping)
    _check_headers(headers, mapping)
    rows: list[tuple[int, list[str]]] = []
    for number, row in [*head[best + 1 :], *lines]:
        if not any(cell.strip() for cell in row):
            continue
        if len(rows) >= MAX_ROWS:
            raise InvalidInput(f"the file holds more than {MAX_ROWS} rows: split it", field="body")
        if any(len(cell) > MAX_CELL_CHARS for cell in row):
            raise InvalidInput(f"row {number} holds a cell longer than {MAX_CELL_CHARS} characters", field="body")
        rows.append((number, row[:MAX_COLUMNS]))
    return Table(headers=headers, rows=rows, encoding=encoding)


def _headers(row: list[str], above: list[str], mapping: dict[str, str]) -> list[str]:
    """The row's cells as headers; one that names no field is read after the header above it (a merged
    group header such as 联系人 over 电话)."""
    headers = []
    for index, cell in enumerate(row[:MAX_COLUMNS]):
        header = cell.strip()
        parent = above[index].strip() if index < len(above) else ""
        if parent and parent != header and not field_of(header, mapping) and field_of(parent + header, mapping):
            header = parent + header
        headers.append(header)
    return headers


def _check_headers(headers: list[str], mapping: dict[str, str]) -> None:
    seen: dict[str, str] = {}
    errors = []
    for header in headers:
        field = field_of(header, mapping) if header else None
        if field is None:
            continue
        if field in seen:
            errors.append(FieldError("body", f"columns {seen[field]!r} and {header!r} both fill {field}"))
        seen[field] = header
    if "full_name" not in seen:
        errors.append(FieldError("body", "no column fills full_name (客户名称)"))
    if errors:
        raise InvalidInput("the header cannot be read as one customer a row", errors=errors)
