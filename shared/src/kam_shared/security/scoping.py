"""Org-unit scoping of /v1 (no object of another branch is visible or changeable): the one predicate, in Python
(`Principal.covers`) and in SQL (`within`), and the route guard for a path parameter naming an object (`owned_by`).

A caller confined to a unit gets 404 for an object of another unit, never 403: the answer is the one an unknown id
gets, so it tells nothing about what exists elsewhere. Lists leave such objects out."""

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, Request
from fastapi.params import Depends as DependsParam
from sqlalchemy import ColumnElement, func, or_, true

from kam_shared.auth import CurrentPrincipal
from kam_shared.errors import Forbidden
from kam_shared.security.principal import UNIT_SEPARATOR, Principal, unit_covers

# The unit an object belongs to (a customer's branch, a staff member's org unit); None when there is no such object
# (or it has no unit): only a carrier-wide caller reaches it then, and the route says what it says to everyone.
UnitLookup = Callable[[Request, str], Awaitable[str | None]]


def within(column: Any, unit: str | None) -> ColumnElement[bool]:
    """The SQL form of `unit_covers(unit, column)`; no condition when `unit` is None (the whole carrier).

    A prefix compared with substr, not LIKE: SQLite's LIKE ignores case, and the code needs no escaping."""
    if unit is None:
        return true()
    prefix = unit + UNIT_SEPARATOR
    return or_(column == unit, func.substr(column, 1, len(prefix)) == prefix)


async def require_unit(request: Request, principal: Principal, unit: str | None, *, field: str) -> None:
    """A body naming a unit (a new customer's branch, a staff member's unit) outside the caller's: 403, audited
    like every refusal. The unit is the caller's own input, so refusing it reveals nothing."""
    if principal.covers(unit):
        return
    error = Forbidden(f"{field} {unit} is outside the caller's org unit {principal.limited_to}", field=field)
    await request.app.state.security.audit.record_refusal(
        request, principal=principal, outcome="forbidden", status=error.status
    )
    raise error


def owned_by(
    parameter: str, annotation: Any, lookup: UnitLookup, not_found: Callable[[str], Exception]
) -> DependsParam:
    """A route dependency: the object the path parameter names must be in the caller's unit, else `not_found`.

    `annotation` is the parameter's own (validated) type, so an invalid value is the route's 422 and is never
    looked up. A carrier-wide caller costs no lookup."""

    async def check(request: Request, principal: CurrentPrincipal, **path: Any) -> None:
        unit = principal.limited_to
        if unit is None:
            return
        value = str(path[parameter])
        if not unit_covers(unit, await lookup(request, value)):
            raise not_found(value)

    keyword = inspect.Parameter.KEYWORD_ONLY
    check.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("request", keyword, annotation=Request),
            inspect.Parameter("principal", keyword, annotation=CurrentPrincipal),
            inspect.Parameter(parameter, keyword, annotation=annotation),
        ]
    )
    check.kam_owner = parameter  # type: ignore[attr-defined]
    return Depends(check)


def guarded_parameter(dependency: Callable[..., Any]) -> str | None:
    return getattr(dependency, "kam_owner", None)
