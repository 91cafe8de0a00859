"""Bearer JWTs for frontends, verified with PyJWT: algorithm pinned, `exp`, `iss`, `aud` and `sub` required.

The key is a shared secret (HS256) or the issuer's JWKS (RS256/ES256), fetched over HTTP and kept for
`jwks_cache_s`; a token naming a key id not in the set fetches it again, at most once per `jwks_refetch_s`."""

import logging
import time
from typing import Any

import httpx
import jwt

from kam_shared.security.principal import Principal, scopes_of_roles

log = logging.getLogger(__name__)

LEEWAY_S = 30  # clock skew between the issuer and the service
HS_ALGORITHMS = ["HS256"]
JWKS_ALGORITHMS = ["RS256", "ES256"]
ORG_UNIT_MAX = 100


class InvalidToken(Exception):
    """The token cannot be trusted; the message says why (never the token itself)."""


class TokenVerifier:
    def __init__(
        self,
        *,
        secret: str | None,
        jwks_url: str | None,
        issuer: str,
        audience: str,
        jwks_cache_s: float = 300,
        jwks_refetch_s: float = 30,
    ) -> None:
        self._secret = secret
        self._jwks_url = jwks_url
        self._issuer = issuer
        self._audience = audience
        self._jwks_cache_s = jwks_cache_s
        self._jwks_refetch_s = jwks_refetch_s
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")

    @property
    def enabled(self) -> bool:
        return bool(self._secret or self._jwks_url)

    async def verify(self, token: str) -> Principal:
        if not self.enabled:
            raise InvalidToken("bearer tokens are not accepted by this deployment")
        if self._secret:
            key: Any = self._secret
            algorithms = HS_ALGORITHMS
        else:
            key = await self._signing_key(token)
            algorithms = JWKS_ALGORITHMS
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self._audience,
                issuer=self._issuer,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"token refused: {exc.__class__.__name__}") from None
        return _principal(claims)

    async def _signing_key(self, token: str) -> Any:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"token refused: {exc.__class__.__name__}") from None
        now = time.monotonic()
        if now - self._fetched_at > self._jwks_cache_s or (
            kid not in self._keys and now - self._fetched_at > self._jwks_refetch_s
        ):
            await self._fetch(now)
        if kid not in self._keys:
            raise InvalidToken("token refused: its key id is not in the issuer's key set")
        return self._keys[kid]

    async def _fetch(self, now: float) -> None:
        self._fetched_at = now
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                response = await client.get(self._jwks_url)
                response.raise_for_status()
                keys = jwt.PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as exc:
            log.warning("cannot read the JWKS", extra={"url": self._jwks_url, "error": exc.__class__.__name__})
            return  # keep the keys held: an issuer briefly unreachable does not lock every user out
        self._keys = {key.key_id: key.key for key in keys.keys if key.key_id}


def _principal(claims: dict[str, Any]) -> Principal:
    sub, roles, org_unit = claims.get("sub"), claims.get("roles", []), claims.get("org_unit")
    if not isinstance(sub, str) or not sub or len(sub) > 200:
        raise InvalidToken("token refused: `sub` must be a non-empty string of at most 200 characters")
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise InvalidToken("token refused: `roles` must be a list of strings")
    if org_unit is not None and (not isinstance(org_unit, str) or not org_unit or len(org_unit) > ORG_UNIT_MAX):
        raise InvalidToken("token refused: `org_unit` must be a non-empty string of at most 100 characters")
    return Principal(key_id=sub, scopes=scopes_of_roles(roles), kind="jwt", name=sub, org_unit=org_unit)
