from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request, Response, status

from kam_registry.imports import service
from kam_registry.imports.reading import XLSX_MEDIA_TYPE
from kam_registry.imports.schemas import ImportPage, ImportRead
from kam_shared.auth import requires
from kam_shared.errors import InvalidInput, UnsupportedMediaType, error_responses
from kam_shared.http import ReadSessionDep, SessionDep

# An import writes the customer master of every branch at once: an operator's tool, for the admin scope.
router = APIRouter(prefix="/imports", tags=["imports"], dependencies=[requires("admin", "admin")])

ImportId = Annotated[str, Path(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")]
_BODY = {
    "requestBody": {
        "required": True,
        "description": "the file: CSV (UTF-8 or GB18030) or XLSX (its first sheet)",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportRead,
    responses=error_responses(413, 415, 422),
    openapi_extra=_BODY,
)
async def start_import(
    request: Request,
    response: Response,
    session: SessionDep,
    background: BackgroundTasks,
    dry_run: Annotated[bool, Query(description="check every row and report, change nothing")] = False,
    encoding: Annotated[Literal["auto", "utf-8", "gb18030"], Query(description="of a CSV file")] = "auto",
    column_map: Annotated[
        list[str] | None,
        Query(
            alias="map",
            max_length=100,
            description="header:field, e.g. 单位全称:full_name; headers named like a field, or as Chinese registers "
            "name them (客户名称, 统一社会信用代码, 所属分公司, 账号 ...), need none",
        ),
    ] = None,
    allow_new_branches: Annotated[
        bool, Query(description="take branches no customer or staff of the registry belongs to yet")
    ] = False,
) -> ImportRead:
    """Starts an import of customers, billing accounts, managers A/B and key persons: 202 with `Location`; poll it
    until `state` is `done`. Rows are matched to customers by `external_id`, else by `uscc`, so the same file
    imported twice changes nothing the second time."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in ("text/csv", "application/csv", "text/plain"):
        file_format = "csv"
    elif content_type == XLSX_MEDIA_TYPE:
        file_format = "xlsx"
    else:
        raise UnsupportedMediaType(
            f"an import takes text/csv or {XLSX_MEDIA_TYPE}",
            headers={"Accept-Post": f"text/csv, {XLSX_MEDIA_TYPE}"},
        )
    mapping = service.check_mapping(column_map or [])
    data = await request.body()
    if not data:
        raise InvalidInput("the file is empty", field="body")
    principal = getattr(request.state, "principal", None)
    started, launch = await request.app.state.imports.start(
        session,
        data=data,
        file_format=file_format,
        encoding=encoding,
        mapping=mapping,
        dry_run=dry_run,
        allow_new_branches=allow_new_branches,
        requested_by=getattr(principal, "key_id", None),
    )
    # Launched once the response is sent: by then the record is committed.
    background.add_task(launch)
    response.headers["Location"] = str(request.url_for("get_import", import_id=started.id))
    return started


@router.get("", response_model=ImportPage, responses=error_responses(422))
async def list_imports(session: ReadSessionDep, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> ImportPage:
    return await service.recent(session, limit)


@router.get("/{import_id}", response_model=ImportRead, responses=error_responses(404, 422))
async def get_import(import_id: ImportId, session: ReadSessionDep) -> ImportRead:
    return await service.get(session, import_id)


@router.get(
    "/{import_id}/problems.csv",
    responses={200: {"content": {"text/csv": {}}, "description": "row, column, reason"}, **error_responses(404, 422)},
)
async def get_import_problems(import_id: ImportId, session: ReadSessionDep) -> Response:
    return Response(
        await service.problems_csv(session, import_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{import_id}-problems.csv"'},
    )
