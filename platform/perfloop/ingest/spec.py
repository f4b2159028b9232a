"""A dataset template version, compiled once for validating records.

Pure: no database. A :class:`DatasetSpec` is built from the template body and
can be rebuilt in another process from the same body (it pickles as the body).
Validation has two speeds: jsonschema-rs answers ``is_valid`` for every row;
the Python ``jsonschema`` package is asked only to explain the rows that fail,
because its messages and paths are the ones users read.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import jsonschema_rs

__all__ = ["DatasetSpec", "FieldInfo", "RowError", "spec_for_body"]

MAX_EXPLAINED = 100  # per batch: more invalid rows are counted, not explained


@dataclass(frozen=True)
class RowError:
    """One problem of one record: ``row`` as the sender numbers it, a JSON
    pointer into the record (``/amount``; empty for the record as a whole)."""

    row: int
    pointer: str
    message: str

    @property
    def field(self) -> str | None:
        return self.pointer.split("/")[1] if self.pointer.count("/") >= 1 else None


@dataclass(frozen=True)
class FieldInfo:
    name: str
    types: frozenset[str]
    format: str | None
    required: bool


def _types_of(schema: Mapping[str, Any]) -> frozenset[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        return frozenset({declared})
    if isinstance(declared, list):
        return frozenset(t for t in declared if isinstance(t, str))
    if "enum" in schema:
        return frozenset(_json_type(v) for v in schema["enum"])
    if "const" in schema:
        return frozenset({_json_type(schema["const"])})
    return frozenset()


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


@dataclass(eq=False)
class DatasetSpec:
    """What ingest needs to know about one dataset template version."""

    body: Mapping[str, Any]
    key: str = field(init=False)
    version: int = field(init=False)
    ref: str = field(init=False)
    schema: Mapping[str, Any] = field(init=False)
    fields: dict[str, FieldInfo] = field(init=False)
    subject_field: str = field(init=False)
    subject_type: str = field(init=False)
    date_field: str = field(init=False)
    key_field: str = field(init=False)
    _fast: Any = field(init=False, repr=False)
    _explainer: Any = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        body = self.body
        self.key = str(body["key"])
        self.version = int(body["version"])
        self.ref = f"{self.key}@{self.version}"
        self.schema = body["records"]
        required = set(self.schema.get("required", ()))
        self.fields = {
            name: FieldInfo(name, _types_of(sub), sub.get("format"), name in required)
            for name, sub in self.schema.get("properties", {}).items()
        }
        self.subject_field = str(body["subjectField"])
        self.subject_type = str(body["subjectType"])
        self.date_field = str(body["dateField"])
        self.key_field = str(body["keyField"])
        self._fast = jsonschema_rs.validator_for(dict(self.schema), validate_formats=True)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (spec_for_body, (dict(self.body),))

    @property
    def is_valid(self) -> Any:
        """jsonschema-rs ``is_valid`` (a bound method, for a tight loop)."""
        return self._fast.is_valid

    @property
    def lowercase_subject(self) -> bool:
        return self.subject_type == "employee-email"

    def explain(self, row: int, record: Any) -> list[RowError]:
        """Why ``record`` fails the schema, one error per problem, with pointers."""
        if self._explainer is None:
            cls = jsonschema.validators.validator_for(self.schema, jsonschema.Draft202012Validator)
            self._explainer = cls(self.schema, format_checker=cls.FORMAT_CHECKER)
        errors: list[RowError] = []
        for error in self._explainer.iter_errors(record):
            errors.extend(_row_errors(row, error, record, self.fields))
        if not errors:  # the fast path is stricter on some formats (email): ask it instead
            for rs_error in self._fast.iter_errors(record):
                pointer = "".join(f"/{p}" for p in rs_error.instance_path)
                errors.append(RowError(row, pointer, rs_error.message))
        return errors or [RowError(row, "", "the record does not match the dataset's schema")]


def _row_errors(
    row: int, error: jsonschema.ValidationError, record: Any, fields: Mapping[str, FieldInfo]
) -> list[RowError]:
    pointer = "".join(f"/{p}" for p in error.absolute_path)
    if not pointer and isinstance(record, Mapping):
        if error.validator == "required":
            missing = [f for f in error.validator_value if f not in record]
            return [RowError(row, f"/{f}", f"{f!r} is required") for f in missing]
        if error.validator in ("additionalProperties", "unevaluatedProperties"):
            extra = [f for f in record if f not in fields]
            known = ", ".join(fields)
            return [
                RowError(row, f"/{f}", f"{f!r} is not a field of this dataset (fields: {known})")
                for f in extra
            ]
    return [RowError(row, pointer, error.message)]


_COMPILED: dict[str, DatasetSpec] = {}
_CACHE_SIZE = 64


def spec_for_body(body: Mapping[str, Any]) -> DatasetSpec:
    """The compiled spec of a dataset template body, cached by its canonical JSON
    (published versions never change, so a version compiles once per process)."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    spec = _COMPILED.get(canonical)
    if spec is None:
        if len(_COMPILED) >= _CACHE_SIZE:
            _COMPILED.pop(next(iter(_COMPILED)))
        spec = _COMPILED[canonical] = DatasetSpec(copy.deepcopy(dict(body)))
    return spec
