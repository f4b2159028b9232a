"""The command line, as a newcomer uses it, on a fresh SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import jwt
import pytest
from typer.testing import CliRunner

from perfloop import __version__
from perfloop.cli import app
from perfloop.settings import DEV_SECRET, get_settings
from perfloop.templates import load_builtin_templates

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("PERFLOOP_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    return path


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    commands = (
        "serve", "worker", "db", "demo", "token", "templates", "users", "export-schema", "formula",
    )  # fmt: skip
    for command in commands:
        assert command in result.output
    demo = runner.invoke(app, ["demo", "--help"])
    assert "load" in demo.output
    assert "users" in demo.output


def test_upgrade_demo_users_and_token(database: Path) -> None:
    # given a fresh database
    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert f"{len(load_builtin_templates())} built-in template" in upgraded.output
    # when the demo is loaded twice
    assert "demo tenant loaded" in runner.invoke(app, ["demo", "load"]).output
    assert "not loaded" in runner.invoke(app, ["demo", "load"]).output
    # and forcing it over the existing demo is refused with a clear message
    again = runner.invoke(app, ["demo", "load", "--always"])
    assert again.exit_code == 1
    assert "exists already" in again.output
    assert again.exception is None or isinstance(again.exception, SystemExit)
    # then the users are listed and a token can be made for one of them
    users = runner.invoke(app, ["demo", "users"])
    assert "hr@demo.perfloop.dev" in users.output
    token = runner.invoke(app, ["token", "--user", "hr@demo.perfloop.dev"])
    assert token.exit_code == 0
    claims = jwt.decode(token.output.strip(), DEV_SECRET, algorithms=["HS256"])
    assert (claims["tenant"], claims["email"]) == ("demo", "hr@demo.perfloop.dev")
    unknown = runner.invoke(app, ["token", "--user", "nobody@example.com"])
    assert unknown.exit_code == 1


def test_templates_validate(tmp_path: Path) -> None:
    good = next(t for t in load_builtin_templates() if t.kind == "dataset").document
    good_file = tmp_path / "good.json"
    good_file.write_text(json.dumps(dict(good)), encoding="utf-8")
    bad_file = tmp_path / "bad.json"
    bad_file.write_text(json.dumps({**good, "title": {"en": "x"}}), encoding="utf-8")
    broken_file = tmp_path / "broken.json"
    broken_file.write_text("{not json", encoding="utf-8")

    assert runner.invoke(app, ["templates", "validate", str(good_file)]).exit_code == 0
    bad = runner.invoke(app, ["templates", "validate", str(good_file), str(bad_file)])
    assert bad.exit_code == 1
    assert "/title" in bad.output
    broken = runner.invoke(app, ["templates", "validate", str(broken_file)])
    assert broken.exit_code == 1
    assert "cannot read JSON" in broken.output


def test_templates_list_shows_every_builtin() -> None:
    result = runner.invoke(app, ["templates", "list"])
    assert result.exit_code == 0
    assert all(t.ref in result.output for t in load_builtin_templates())


def test_formula_eval() -> None:
    ok = runner.invoke(
        app, ["formula", "eval", "ROUND(a / b * 100, 1)", "--data", '{"a": 2, "b": 3}']
    )
    assert (ok.exit_code, ok.output.strip()) == (0, "66.7")
    bad = runner.invoke(app, ["formula", "eval", "ROUND(a / b * 100, 1"])
    assert bad.exit_code == 1
    assert "line 1" in bad.output
    not_json = runner.invoke(app, ["formula", "eval", "1", "--data", "{oops"])
    assert not_json.exit_code == 2


def test_formula_eval_with_a_variables_schema() -> None:
    schema = json.dumps({"type": "object", "properties": {"actual": {"type": "number"}}})
    typo = runner.invoke(app, ["formula", "eval", "ROUND(actaul, 1)", "--variables", schema])
    assert typo.exit_code == 1
    assert "did you mean actual?" in typo.output
    data = ["--data", '{"actual": "ten"}']
    mismatch = runner.invoke(app, ["formula", "eval", "actual", *data, "--variables", schema])
    assert mismatch.exit_code == 2
    assert "--data: data['actual']" in mismatch.output
    bad = runner.invoke(app, ["formula", "eval", "1", "--variables", '{"type": 5}'])
    assert bad.exit_code == 2
    assert "--variables: variables is not a valid JSON Schema" in bad.output


def test_formula_eval_warns_where_excel_differs() -> None:
    result = runner.invoke(app, ["formula", "eval", "2^3^2"])
    assert result.exit_code == 0
    assert result.stdout.strip() == "512"
    assert "warning [excel-power] line 1, column 1" in result.stderr


def test_bad_settings_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERFLOOP_DATABASE_URL", "mysql://nope")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2
    assert "PERFLOOP_DATABASE_URL" in result.output


def test_export_schema_matches_the_committed_file(tmp_path: Path) -> None:
    out = tmp_path / "schema.graphql"
    assert runner.invoke(app, ["export-schema", "--output", str(out)]).exit_code == 0
    committed = Path(__file__).resolve().parents[2] / "schema.graphql"
    assert out.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8")


def test_version() -> None:
    # when
    result = runner.invoke(app, ["--version"])
    # then
    assert result.exit_code == 0
    assert result.output.strip() == f"perfloop {__version__}"


def test_messages_are_printed_as_written_not_as_markup(tmp_path: Path) -> None:
    # given a template whose key breaks the meta-schema's pattern, which holds [brackets]
    path = tmp_path / "bad-key.json"
    document = {"kind": "form", "key": "Bad Key!", "version": 1, "title": {"zh-CN": "x", "en": "x"}}
    path.write_text(json.dumps(document), encoding="utf-8")
    # when it is validated
    result = runner.invoke(app, ["templates", "validate", str(path)])
    # then the pattern and the error codes reach the user whole
    assert result.exit_code == 1
    assert "[schema]" in result.output
    assert "^[a-z][a-z0-9-]*" in result.output


def test_users_deactivate_and_reactivate(database: Path) -> None:
    # given the demo company
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["demo", "load"]).exit_code == 0
    email = "employee@demo.perfloop.dev"
    # when the operator deactivates an account
    off = runner.invoke(app, ["users", "deactivate", email, "--reason", "left"])
    # then it says so, and no token is issued for it any more
    assert off.exit_code == 0, off.output
    assert f"{email} is deactivated in tenant demo" in off.output
    assert runner.invoke(app, ["token", "--user", email]).exit_code == 1
    # when it is reactivated, tokens are issued again
    on = runner.invoke(app, ["users", "reactivate", email])
    assert on.exit_code == 0, on.output
    assert f"{email} is active in tenant demo" in on.output
    assert runner.invoke(app, ["token", "--user", email]).exit_code == 0
    # an unknown account or tenant is named, and nothing happens
    unknown = runner.invoke(app, ["users", "deactivate", "nobody@example.com"])
    assert unknown.exit_code == 1
    assert "no user 'nobody@example.com' in tenant 'demo'" in unknown.output
    elsewhere = runner.invoke(app, ["users", "deactivate", email, "--tenant", "acme"])
    assert elsewhere.exit_code == 1
    assert "no tenant 'acme'" in elsewhere.output


def test_worker_is_not_needed_on_sqlite(database: Path) -> None:
    # given the embedded SQLite database
    # when someone starts a worker
    result = runner.invoke(app, ["worker"])
    # then it says, in one line, that serve runs the jobs itself
    assert result.exit_code == 1
    assert "no worker is needed" in result.output
