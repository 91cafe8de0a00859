"""Imports of a customer master file: read and checked row by row at once, then checked against the registry and
applied in batches by a task of the service, its progress kept on the import's record."""

import asyncio
import csv
import io
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.imports import repository
from kam_registry.imports.columns import FIELDS
from kam_registry.imports.plan import ChangedMeanwhile, Options, apply, plan
from kam_registry.imports.reading import Encoding, Format, read_table
from kam_registry.imports.rows import Candidate, Parsed, Problem, parse_rows
from kam_registry.imports.schemas import ImportPage, ImportProblem, ImportRead
from kam_shared.clock import business_today
from kam_shared.errors import FieldError, InvalidInput, NotFound
from kam_shared.runtime import ServiceRuntime

log = logging.getLogger("kam.registry.imports")

# Customers a transaction checks and writes together; problems an import keeps; problems GET shows.
BATCH = 500
MAX_PROBLEMS = 10_000
SHOWN_PROBLEMS = 200
# A batch whose customers changed between its check and its write is checked again, this many times.
ATTEMPTS = 3


class ImportNotFound(NotFound):
    def __init__(self, import_id: str) -> None:
        super().__init__(f"import {import_id} not found")


def check_mapping(pairs: list[str]) -> dict[str, str]:
    """`map=header:field` pairs as given on the query; a field outside FIELDS is a 422 naming `map`."""
    mapping: dict[str, str] = {}
    errors = []
    for pair in pairs:
        header, sep, target = pair.rpartition(":")
        if not sep or not header.strip() or target not in FIELDS:
            errors.append(FieldError("map", f"{pair!r}: write header:field, field one of {', '.join(FIELDS)}"))
            continue
        mapping[header.strip()] = target
    if errors:
        raise InvalidInput("the column mapping cannot be read", errors=errors)
    return mapping


class ImportRunner:
    """Runs the imports of one service process; at start, imports a stopped process left unfinished are marked
    interrupted (running one again is safe: an import changes nothing the second time)."""

    def __init__(self, runtime: ServiceRuntime, org_units: list[str]) -> None:
        self.runtime = runtime
        self.org_units = frozenset(org_units)
        self._tasks: set[asyncio.Task] = set()

    def running_beside(
        self, lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]]
    ) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
        @asynccontextmanager
        async def run(app: FastAPI) -> AsyncIterator[None]:
            async with lifespan(app):
                async with self.runtime.sessions() as session, session.begin():
                    await repository.interrupt_unfinished(session, self.runtime.clock.now())
                try:
                    yield
                finally:
                    for task in list(self._tasks):
                        task.cancel()
                    await asyncio.gather(*self._tasks, return_exceptions=True)

        return run

    async def start(
        self,
        session: AsyncSession,
        *,
        data: bytes,
        file_format: Format,
        encoding: Encoding,
        mapping: dict[str, str],
        dry_run: bool,
        allow_new_branches: bool,
        requested_by: str | None,
    ) -> tuple[ImportRead, Callable[[], Awaitable[None]]]:
        """Reads the file and stores the import's record in the caller's transaction; returns the record and what
        launches the import, to be called once that transaction has committed."""
        table = read_table(data, file_format=file_format, encoding=encoding, mapping=mapping)
        parsed = parse_rows(table, mapping=mapping, today=business_today(self.runtime.clock))
        now = self.runtime.clock.now()
        record = {
            "id": str(uuid.uuid4()),
            "state": "queued",
            "dry_run": dry_run,
            "file_format": file_format,
            "encoding": table.encoding,
            "requested_by": requested_by,
            "rows_total": parsed.rows,
            "rows_done": 0,
            "customers_created": 0,
            "customers_updated": 0,
            "customers_unchanged": 0,
            "accounts_linked": 0,
            "rows_rejected": 0,
            "problems": [],
            "created_at": now,
        }
        await repository.add_import(session, record)
        units = self.org_units if allow_new_branches else self.org_units | await repository.known_org_units(session)
        options = Options(allow_new_branches=allow_new_branches, org_units=frozenset(units))

        async def launch() -> None:
            task = asyncio.create_task(self.run(record["id"], parsed, options, dry_run=dry_run))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        return _read(record), launch

    async def wait(self) -> None:
        """Until the imports running now have ended (tests, and a command that imports and exits)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def run(self, import_id: str, parsed: Parsed, options: Options, *, dry_run: bool) -> None:
        runtime = self.runtime
        problems: list[Problem] = list(parsed.problems)
        counts = {"created": 0, "updated": 0, "unchanged": 0, "accounts": 0}
        done = len({problem.row for problem in parsed.problems})
        try:
            await self._update(import_id, state="running", rows_done=done)
            for start in range(0, len(parsed.candidates), BATCH):
                batch = parsed.candidates[start : start + BATCH]
                batch_counts, batch_problems = await self._batch(import_id, batch, parsed, options, dry_run)
                for name, value in batch_counts.items():
                    counts[name] += value
                problems.extend(batch_problems)
                done += sum(len(candidate.rows) for candidate in batch)
                await self._update(import_id, rows_done=done, **_counted(counts, problems))
                if not dry_run:
                    runtime.relay.wake()
            await self._update(
                import_id,
                state="done",
                finished_at=runtime.clock.now(),
                problems=[_problem(problem) for problem in sorted(problems, key=_order)[:MAX_PROBLEMS]],
                **_counted(counts, problems),
            )
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.exception("import %s failed", import_id)
            await self._update(
                import_id, state="failed", finished_at=runtime.clock.now(), error=f"{type(error).__name__}"[:500]
            )

    async def _batch(
        self, import_id: str, batch: list[Candidate], parsed: Parsed, options: Options, dry_run: bool
    ) -> tuple[dict[str, int], list[Problem]]:
        runtime = self.runtime
        for attempt in range(ATTEMPTS):
            try:
                factory = runtime.read_sessions if dry_run else runtime.sessions
                async with factory() as session, session.begin():
                    plans, problems = await plan(session, batch, options=options, columns=parsed.columns)
                    if dry_run:
                        counts = {"created": 0, "updated": 0, "unchanged": 0, "accounts": 0}
                        for p in plans:
                            counts[p.outcome] += 1
                            counts["accounts"] += len(p.accounts)
                    else:
                        counts = await apply(
                            session, plans, outbox=runtime.outbox, now=runtime.clock.now(), import_id=import_id
                        )
                rejected = {id(c) for c in batch} - {id(p.candidate) for p in plans}
                for candidate in batch:
                    if id(candidate) in rejected:
                        problems.extend(
                            Problem(row, "", f"the customer of row {candidate.row} was not taken")
                            for row in candidate.rows[1:]
                        )
                return counts, problems
            except (ChangedMeanwhile, IntegrityError):
                # Another request registered or changed one of these customers meanwhile: check them again.
                if attempt == ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    async def _update(self, import_id: str, **values) -> None:
        async with self.runtime.sessions() as session, session.begin():
            await repository.set_import(session, import_id, **values)


def _counted(counts: dict[str, int], problems: list[Problem]) -> dict[str, int]:
    return {
        "customers_created": counts["created"],
        "customers_updated": counts["updated"],
        "customers_unchanged": counts["unchanged"],
        "accounts_linked": counts["accounts"],
        "rows_rejected": len({problem.row for problem in problems}),
    }


def _order(problem: Problem) -> tuple[int, str]:
    return problem.row, problem.column


def _problem(problem: Problem) -> dict:
    return {"row": problem.row, "column": problem.column, "reason": problem.reason}


async def get(session: AsyncSession, import_id: str) -> ImportRead:
    record = await repository.get_import(session, import_id)
    if record is None:
        raise ImportNotFound(import_id)
    return _read(record)


async def recent(session: AsyncSession, limit: int) -> ImportPage:
    return ImportPage(items=[_read(record) for record in await repository.recent_imports(session, limit)])


async def problems_csv(session: AsyncSession, import_id: str) -> str:
    record = await repository.get_import(session, import_id)
    if record is None:
        raise ImportNotFound(import_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("row", "column", "reason"))
    for problem in record["problems"]:
        writer.writerow((problem["row"], problem["column"], problem["reason"]))
    # Excel opens a CSV as UTF-8 only with the byte order mark.
    return "\ufeff" + out.getvalue()


def _read(record: dict) -> ImportRead:
    problems = record.get("problems") or []
    return ImportRead(
        **{name: record.get(name) for name in ImportRead.model_fields if name not in ("problems", "problems_listed")},
        problems=[ImportProblem(**problem) for problem in problems[:SHOWN_PROBLEMS]],
        problems_listed=len(problems),
    )
