from __future__ import annotations

import pytest

from perfloop.settings import DEV_SECRET, SettingsError, load_settings, normalize_database_url


def test_database_urls_are_mapped_to_async_drivers() -> None:
    assert normalize_database_url("sqlite:///./x.db") == "sqlite+aiosqlite:///./x.db"
    assert normalize_database_url("postgresql://u@h:5432/db") == "postgresql+asyncpg://u@h:5432/db"
    assert normalize_database_url("postgresql+asyncpg://h/db") == "postgresql+asyncpg://h/db"


@pytest.mark.parametrize(
    ("env", "value", "named"),
    [
        ("PERFLOOP_DATABASE_URL", "mysql://x/y", "PERFLOOP_DATABASE_URL"),
        ("PERFLOOP_DATABASE_URL", "not a url", "PERFLOOP_DATABASE_URL"),
        ("PERFLOOP_PORT", "seventy", "PERFLOOP_PORT"),
        ("PERFLOOP_PORT", "70000", "PERFLOOP_PORT"),
        ("PERFLOOP_SECRET", "short", "PERFLOOP_SECRET"),
        ("PERFLOOP_MAX_PAGE_SIZE", "0", "PERFLOOP_MAX_PAGE_SIZE"),
        ("PERFLOOP_PLUGIN_TIMEOUT_SECONDS", "0", "PERFLOOP_PLUGIN_TIMEOUT_SECONDS"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, named: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(SettingsError, match=named):
        load_settings()


def test_production_refuses_the_development_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERFLOOP_ENV", "production")
    with pytest.raises(SettingsError, match="PERFLOOP_SECRET"):
        load_settings()
    monkeypatch.setenv("PERFLOOP_SECRET", "x" * 40)
    assert load_settings().secret != DEV_SECRET


def test_rs256_needs_a_jwks_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERFLOOP_JWT_ALGORITHM", "RS256")
    with pytest.raises(SettingsError, match="PERFLOOP_JWKS_URL"):
        load_settings()


def test_the_plugin_timeout_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().plugin_timeout_seconds == 30
    monkeypatch.setenv("PERFLOOP_PLUGIN_TIMEOUT_SECONDS", "2.5")
    assert load_settings().plugin_timeout_seconds == 2.5
