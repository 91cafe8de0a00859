"""Administration of each service's own keys and audit trail: /v1/admin/keys and /v1/admin/audit (scope `admin`)."""

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, status
from pydantic import AwareDatetime, BaseModel, Field, field_validator

from kam_shared.auth import CurrentPrincipal, requires
from kam_shared.errors import InvalidInput, NotFound, error_responses
from kam_shared.paging import decode_cursor, encode_cursor
from kam_shared.security import keys
from kam_shared.security.audit import OUTCOMES, AuditQuery, Outcome
from kam_shared.security.principal import SCOPES
from kam_shared.validation import NO_CONTROL_CHARACTERS, RequestBody

router = APIRouter(prefix="/admin", tags=["administration"], dependencies=[requires("admin")])

Scope = Literal[SCOPES]  # type: ignore[valid-type]


class KeyCreate(RequestBody):
    name: str = Field(min_length=1, max_length=100, description="who or what uses the key, e.g. a partner's name")
    scopes: list[Scope] = Field(min_length=1, max_length=len(SCOPES))
    org_unit: str | None = Field(
        default=None, min_length=1, max_length=100, pattern=NO_CONTROL_CHARACTERS, description="limits the key to it"
    )

    @field_validator("scopes")
    @classmethod
    def _distinct(cls, scopes: list[str]) -> list[str]:
        if len(set(scopes)) != len(scopes):
            raise ValueError("names a scope twice")
        return scopes


class KeyRead(BaseModel):
    id: str
    name: str
    scopes: list[str]
    org_unit: str | None
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    revoked_by: str | None


class KeyCreated(KeyRead):
    key: str = Field(description="the key itself: shown this once, only its hash is kept")


class AuditEntryRead(BaseModel):
    id: int
    at: datetime
    actor: str
    actor_kind: str
    org_unit: str | None
    outcome: str
    method: str
    route: str
    target: dict[str, str]
    status: int
    client: str | None
    user_agent: str | None


class AuditPage(BaseModel):
    items: list[AuditEntryRead]
    next_cursor: str | None


KeyId = Annotated[str, Path(pattern=r"^[0-9a-f]{12}$", description="the key's id (`kam_<id>_...`)")]


def _security(request: Request):
    return request.app.state.security


@router.post("/keys", status_code=status.HTTP_201_CREATED, response_model=KeyCreated, responses=error_responses(422))
async def create_key(key_in: KeyCreate, request: Request, principal: CurrentPrincipal) -> KeyCreated:
    """Issues a key for this service with the scopes given; the answer is the only time the key is shown."""
    runtime = request.app.state.runtime
    async with runtime.engine.begin() as conn:
        record, key = await keys.create_key(
            conn,
            runtime.definition.security,
            name=key_in.name,
            scopes=list(key_in.scopes),
            org_unit=key_in.org_unit,
            by=principal.key_id,
            now=runtime.clock.now(),
        )
    return KeyCreated(**asdict(record), key=key)


@router.get("/keys", response_model=list[KeyRead])
async def list_keys(request: Request) -> list[KeyRead]:
    """Every key of this service, revoked ones included, oldest first; never the keys themselves."""
    runtime = request.app.state.runtime
    async with runtime.engine.connect() as conn:
        return [KeyRead(**asdict(record)) for record in await keys.list_keys(conn, runtime.definition.security)]


@router.delete("/keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(404, 422))
async def revoke_key(key_id: KeyId, request: Request, principal: CurrentPrincipal) -> None:
    """Revokes the key: refused at once on this replica, on the others within the key cache time."""
    runtime = request.app.state.runtime
    async with runtime.engine.begin() as conn:
        record = await keys.revoke_key(
            conn, runtime.definition.security, key_id, by=principal.key_id, now=runtime.clock.now()
        )
    if record is None:
        raise NotFound(f"no key {key_id}")
    _security(request).keys.forget(key_id)


@router.get("/audit", response_model=AuditPage, responses=error_responses(422))
async def list_audit(
    request: Request,
    actor: Annotated[str | None, Query(min_length=1, max_length=200, pattern=NO_CONTROL_CHARACTERS)] = None,
    outcome: Annotated[Outcome | None, Query(description=" or ".join(OUTCOMES))] = None,
    since: Annotated[AwareDatetime | None, Query(description="entries at or after this instant")] = None,
    until: Annotated[AwareDatetime | None, Query(description="entries before this instant")] = None,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AuditPage:
    """Changes made and requests refused, latest first."""
    after = None
    if cursor:
        at_text, entry_id = decode_cursor(cursor, 2)
        try:
            after = (datetime.fromisoformat(at_text), int(entry_id))
        except ValueError:
            raise InvalidInput("cursor is not one this service issued", field="cursor") from None
    if since is not None and until is not None and until <= since:
        raise InvalidInput("until must be after since", field="until")
    query = AuditQuery(actor=actor, outcome=outcome, since=since, until=until, after=after, limit=limit)
    runtime = request.app.state.runtime
    async with runtime.engine.connect() as conn:
        rows = await _security(request).audit.page(conn, query)
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(
        items=[AuditEntryRead.model_validate(row, from_attributes=True) for row in rows],
        next_cursor=encode_cursor(rows[-1].at.isoformat(), str(rows[-1].id)) if more and rows else None,
    )
