"""Authentication and authorisation of /v1: who calls (API key or bearer JWT), what they may do (scopes), how often
(rate limit), and the audit trail of refusals. Every /v1 route declares its scopes with `requires`."""

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.params import Depends as DependsParam
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from kam_shared.errors import Forbidden, TooManyRequests, Unauthorized
from kam_shared.security.audit import AuditLog
from kam_shared.security.keys import KeyStore
from kam_shared.security.limits import RateLimiter, retry_after
from kam_shared.security.principal import Principal
from kam_shared.security.tokens import InvalidToken, TokenVerifier

__all__ = ["CurrentPrincipal", "Principal", "Security", "current_principal", "requires"]

_api_key_header = APIKeyHeader(
    name="X-API-Key",
    scheme_name="ApiKey",
    auto_error=False,
    description="API key issued to a partner or tool",
)
_bearer = HTTPBearer(scheme_name="Bearer", auto_error=False, description="JWT issued to a frontend user")


@dataclass(frozen=True, slots=True)
class Security:
    keys: KeyStore
    tokens: TokenVerifier
    limiter: RateLimiter
    audit: AuditLog


async def _refuse(request: Request, security: Security, principal: Principal | None, error: Exception) -> None:
    outcome = "unauthorized" if isinstance(error, Unauthorized) else "forbidden"
    await security.audit.record_refusal(request, principal=principal, outcome=outcome, status=error.status)
    raise error


def _limit(security: Security, key: str) -> None:
    wait = security.limiter.take(key, time.monotonic())
    if wait:
        raise TooManyRequests(
            "too many requests from this caller; retry after the time in Retry-After",
            headers={"Retry-After": retry_after(wait)},
        )


async def current_principal(
    request: Request,
    api_key: Annotated[str | None, Depends(_api_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    security: Security = request.app.state.security
    principal: Principal | None = None
    reason = "a valid X-API-Key header or Authorization: Bearer token is required"
    if api_key:
        principal = await security.keys.lookup(api_key)
    elif bearer is not None:
        try:
            principal = await security.tokens.verify(bearer.credentials)
        except InvalidToken as exc:
            reason = str(exc)
    if principal is None:
        # Failed attempts are limited per client address, so guessing keys gets a 429 before a database lookup.
        client = request.client.host if request.client else "unknown"
        _limit(security, f"client:{client}")
        await _refuse(
            request, security, None, Unauthorized(reason, headers={"WWW-Authenticate": 'ApiKey, Bearer realm="kam"'})
        )
    if principal.kind != "bootstrap":  # the operator's own key is not limited
        _limit(security, principal.rate_key)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]

_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def requires(read: str | tuple[str, ...], write: str | tuple[str, ...] | None = None) -> DependsParam:
    """A router (or route) dependency: reads need one of the `read` scopes, other methods one of the `write` ones."""
    reads = (read,) if isinstance(read, str) else read
    writes = reads if write is None else ((write,) if isinstance(write, str) else write)

    async def check(request: Request, principal: CurrentPrincipal) -> AsyncIterator[None]:
        reading = request.method in _READS
        needed = reads if reading else writes
        if not principal.allows_any(needed):
            await _refuse(
                request,
                request.app.state.security,
                principal,
                Forbidden(f"this needs the scope {' or '.join(needed)}, which the caller does not have"),
            )
        yield
        # Reached only when the route succeeded. A route writing through the request's session has had its
        # change recorded in that transaction; one writing on its own (a month close) is recorded here.
        if not reading and not getattr(request.state, "audited", False):
            await request.app.state.security.audit.record_change_alone(request, principal)

    check.kam_scopes = (reads, writes)  # type: ignore[attr-defined]
    return Depends(check, scope="function")


def declared_scopes(dependency: Callable[..., Any]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    return getattr(dependency, "kam_scopes", None)
