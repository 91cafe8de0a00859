"""Where authentication plugs in. For now one administrative key with every scope; roles come later."""

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from kam_shared.errors import Unauthorized

ALL_SCOPES = frozenset({"*"})

_api_key_header = APIKeyHeader(
    name="X-API-Key",
    scheme_name="ApiKey",
    auto_error=False,
    description="API key issued to a partner or tool",
)


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: str
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        return "*" in self.scopes or scope in self.scopes


class ApiKeyStore:
    def __init__(self, admin_key: str | None) -> None:
        self._keys: dict[str, Principal] = {}
        if admin_key:
            self._keys[admin_key] = Principal(key_id="admin", scopes=ALL_SCOPES)

    def lookup(self, presented: str) -> Principal | None:
        for key, principal in self._keys.items():
            if hmac.compare_digest(key.encode(), presented.encode()):
                return principal
        return None


async def current_principal(request: Request, api_key: Annotated[str | None, Depends(_api_key_header)]) -> Principal:
    unauthorized = Unauthorized("a valid X-API-Key header is required", headers={"WWW-Authenticate": "ApiKey"})
    if not api_key:
        raise unauthorized
    principal = request.app.state.api_keys.lookup(api_key)
    if principal is None:
        raise unauthorized
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
