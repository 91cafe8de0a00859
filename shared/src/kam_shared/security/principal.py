"""Who is calling and what they may do: scopes, the roles of frontend users, org units.

Org units are hierarchical codes: a unit's descendants are the codes that begin with its code and `/`
(`GD` covers `GD/GZ01`, which covers `GD/GZ01/TH`; `GZ01` does not cover `GZ010`). No table of units is needed, and
a flat code such as `GZ01` is a unit with no units below it."""

from dataclasses import dataclass
from typing import Literal

# What an API key or a role grants. `tickets:*` grants both ticket scopes; `admin` grants everything.
SCOPES: tuple[str, ...] = (
    "billing:write",
    "customers:read",
    "customers:write",
    "tickets:read",
    "tickets:write",
    "tickets:*",
    "reports:read",
    "admin",
)

# The roles a frontend's JWT carries (claim `roles`), and the scopes each brings.
ROLE_SCOPES: dict[str, frozenset[str]] = {
    "admin": frozenset({"admin"}),
    "manager": frozenset({"customers:read", "customers:write", "tickets:*", "reports:read"}),
    "agent": frozenset({"customers:read", "tickets:*"}),
    "viewer": frozenset({"customers:read", "tickets:read", "reports:read"}),
    "partner": frozenset({"billing:write"}),
}

UNIT_SEPARATOR = "/"


def unit_covers(unit: str, other: str | None) -> bool:
    """Whether `other` is `unit` or a unit below it; an object with no unit belongs to no branch."""
    return other is not None and (other == unit or other.startswith(unit + UNIT_SEPARATOR))


PrincipalKind = Literal["bootstrap", "api-key", "jwt"]


@dataclass(frozen=True, slots=True)
class Principal:
    # The key's id or the token's `sub`: what the audit trail and change records name as the actor.
    key_id: str
    scopes: frozenset[str]
    kind: PrincipalKind = "api-key"
    name: str = ""
    # A branch code (or a code above it) limiting what the caller sees; None: the whole carrier.
    org_unit: str | None = None

    def allows(self, scope: str) -> bool:
        if "admin" in self.scopes or "*" in self.scopes or scope in self.scopes:
            return True
        area, _, _ = scope.partition(":")
        return f"{area}:*" in self.scopes

    def allows_any(self, scopes: tuple[str, ...]) -> bool:
        return any(self.allows(scope) for scope in scopes)

    @property
    def limited_to(self) -> str | None:
        """The org unit the caller is confined to; None when it sees the whole carrier (no unit, or `admin`)."""
        if self.org_unit is None or "admin" in self.scopes or "*" in self.scopes:
            return None
        return self.org_unit

    def covers(self, unit: str | None) -> bool:
        """Whether the caller may see and change an object of this unit (None: of no unit, carrier-wide only)."""
        limit = self.limited_to
        return limit is None or unit_covers(limit, unit)

    @property
    def rate_key(self) -> str:
        return f"{self.kind}:{self.key_id}"


def scopes_of_roles(roles: list[str]) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_SCOPES.get(role, frozenset())
    return frozenset(granted)
