"""Bearer tokens: verify (HS256 with the secret, or RS256 against a JWKS URL)
and, for development, issue."""

from __future__ import annotations

import asyncio
import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any

import jwt

from perfloop.services.core.errors import NotAuthenticated
from perfloop.settings import Settings


@dataclass(frozen=True)
class Claims:
    tenant: str
    user: str


class TokenVerifier:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwks_url) if settings.jwks_url else None

    def _key(self, token: str) -> Any:
        if self._settings.jwt_algorithm == "HS256":
            return self._settings.secret
        assert self._jwks is not None  # settings guarantee a JWKS URL for RS256
        return self._jwks.get_signing_key_from_jwt(token).key

    async def verify(self, header: str | None) -> Claims | None:
        """Claims of a valid ``Authorization: Bearer`` header; None without one."""
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated("the Authorization header must be `Bearer <token>`")
        s = self._settings
        try:
            key = (
                self._key(token)
                if self._jwks is None
                else await asyncio.to_thread(self._key, token)
            )
            claims = jwt.decode(
                token.strip(),
                key,
                algorithms=[s.jwt_algorithm],
                issuer=s.jwt_issuer,
                audience=s.jwt_audience,
                options={"require": ["exp", s.jwt_tenant_claim, s.jwt_user_claim]},
            )
        except jwt.ExpiredSignatureError:
            raise NotAuthenticated(
                "the token has expired; get a new one", zh="登录令牌已过期，请重新登录"
            ) from None
        except (jwt.PyJWTError, ValueError) as exc:
            raise NotAuthenticated(f"the token is not valid: {exc}") from None
        tenant, user = claims[s.jwt_tenant_claim], claims[s.jwt_user_claim]
        if not isinstance(tenant, str) or not isinstance(user, str):
            raise NotAuthenticated("the token's tenant and user claims must be strings")
        if _has_control(tenant) or _has_control(user):
            # NUL reached PostgreSQL as an error (HTTP 500) and SQLite as a miss:
            # no tenant or e-mail holds a control character, so the token names nobody.
            raise NotAuthenticated("the token's tenant and user claims hold a control character")
        return Claims(tenant=tenant, user=user)


def _has_control(text: str) -> bool:
    """Whether ``text`` holds a control character (NUL, a line break, …)."""
    return any(unicodedata.category(c) == "Cc" for c in text)


def issue_token(settings: Settings, tenant: str, email: str, ttl_minutes: int | None = None) -> str:
    """A development token signed with the configured secret (HS256)."""
    now = dt.datetime.now(dt.UTC)
    ttl = dt.timedelta(minutes=ttl_minutes or settings.token_ttl_minutes)
    payload: dict[str, Any] = {
        settings.jwt_tenant_claim: tenant,
        settings.jwt_user_claim: email.lower(),
        "sub": email.lower(),
        "iat": now,
        "exp": now + ttl,
    }
    if settings.jwt_issuer:
        payload["iss"] = settings.jwt_issuer
    if settings.jwt_audience:
        payload["aud"] = settings.jwt_audience
    return jwt.encode(payload, settings.secret, algorithm="HS256")
