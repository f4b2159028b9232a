"""Settings read from the environment (prefix ``PERFLOOP_``) or a ``.env`` file.

Bad values raise :class:`SettingsError`, whose message names every offending
environment variable, so a typo in deployment is a one-line fix.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "perfloop-development-secret-do-not-use-in-production"  # noqa: S105 (documented dev default)

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


#: The largest JSON document a client stores (bytes of compact UTF-8 JSON).
DEFAULT_MAX_DOCUMENT_BYTES = 1_000_000


class SettingsError(ValueError):
    """A setting has a value perfloop cannot use."""


def normalize_database_url(url: str) -> str:
    """Map ``sqlite://`` and ``postgresql://`` to the async drivers perfloop uses."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in _DRIVERS:
        raise ValueError(
            "must look like sqlite:///./perfloop.db or postgresql://user@host:5432/db "
            f"(got scheme {scheme!r}; supported: sqlite, postgresql)"
        )
    return f"{_DRIVERS[scheme]}://{rest}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PERFLOOP_", env_file=".env", extra="ignore", frozen=True
    )

    env: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite+aiosqlite:///./perfloop.db"
    secret: str = Field(default=DEV_SECRET, min_length=32)
    jwt_algorithm: Literal["HS256", "RS256"] = "HS256"
    jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_tenant_claim: str = "tenant"
    jwt_user_claim: str = "email"
    token_ttl_minutes: int = Field(default=12 * 60, ge=1, le=60 * 24 * 30)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    graphiql: bool = True
    introspection: bool = True
    max_query_depth: int = Field(default=12, ge=2, le=100)
    max_query_tokens: int = Field(default=2000, ge=50)
    max_query_aliases: int = Field(default=30, ge=1)
    max_page_size: int = Field(default=100, ge=1, le=1000)
    #: the largest HTTP request body /graphql reads (an ingestRecords batch of
    #: 10,000 records is about 2 MB); larger ones get 413 before any work
    max_request_bytes: int = Field(default=8_000_000, ge=10_000)
    #: the longest GraphQL document (query text, in characters), refused before it is parsed
    max_query_length: int = Field(default=100_000, ge=1_000)
    #: the largest JSON document a client stores (a template, an app's parameters,
    #: one dataset record), in bytes of compact UTF-8 JSON; larger ones are TOO_LARGE
    max_document_bytes: int = Field(default=DEFAULT_MAX_DOCUMENT_BYTES, ge=1_000)
    #: the JSON values (template documents, records, parameters) one response may
    #: carry in all, so aliases and pages cannot multiply a large document
    max_response_document_bytes: int = Field(default=20_000_000, ge=10_000)
    #: the web console's demo sign-in (pick a demo identity, get a token from
    #: ``POST /auth/demo-token``); never in production, whatever this says (docs/console.md)
    demo_sign_in: bool = True
    #: the tenant whose people the demo sign-in offers
    demo_tenant: str = "demo"
    #: seconds a metric plugin's computation may take in a refresh (a metric's own
    #: shorter ``timeout`` first: this is the ceiling); one that takes longer marks its
    #: items as failed
    plugin_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return normalize_database_url(value)

    @model_validator(mode="after")
    def _production_needs_real_keys(self) -> Settings:
        if self.env == "production" and self.jwt_algorithm == "HS256" and self.secret == DEV_SECRET:
            raise ValueError("PERFLOOP_SECRET must be set to your own secret in production")
        if self.jwt_algorithm == "RS256" and not self.jwks_url:
            raise ValueError("PERFLOOP_JWKS_URL is required when PERFLOOP_JWT_ALGORITHM is RS256")
        return self

    @property
    def demo_sign_in_enabled(self) -> bool:
        """Whether ``/auth/demo-identities`` and ``/auth/demo-token`` answer."""
        return self.demo_sign_in and self.env != "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's report into one readable error."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"])
            name = f"PERFLOOP_{field.upper()}" if field else "settings"
            problems.append(f"{name}: {err['msg']}")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(problems)) from None


@cache
def get_settings() -> Settings:
    return load_settings()
