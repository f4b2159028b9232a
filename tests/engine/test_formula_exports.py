"""perfloop.engine's public surface: __all__ is complete and importable."""

from __future__ import annotations

import perfloop.engine as engine


def test_all_names_are_importable() -> None:
    for name in engine.__all__:
        assert hasattr(engine, name), name


def test_all_lists_every_public_name() -> None:
    public = {
        name
        for name, value in vars(engine).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("perfloop.")
    }
    assert public <= set(engine.__all__), public - set(engine.__all__)


def test_the_api_other_code_relies_on() -> None:
    for name in (
        "compile",
        "Formula",
        "FormulaError",
        "FormulaErrorValue",
        "to_json",
        "check_formula",
        "check_scoring_template",
        "ScoringScheme",
        "Explanation",
    ):
        assert name in engine.__all__
