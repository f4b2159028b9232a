"""A GraphQL executor that completes plain-data subtrees in one pass.

graphql-core completes a result field by field: for every field of every
object it builds a path, a resolve-info object, calls the field's resolver,
checks for awaitables and coerces the value. A manager's team view of 50
people × 8 items is about 5,000 such fields, and that bookkeeping, not the
data, is most of the request (DESIGN.md: resolvers stay thin, so the
framework's per-field cost is what is left).

Most of perfloop's read types are *plain*: Strawberry types whose fields have
no resolver, no arguments and no permission extension, so each field is just
an attribute of an object the service already computed. For an object of such
a type this executor builds, once per selection (aliases, fragments and
``@skip``/``@include`` resolved by graphql-core's own field collection), a
*projection*: the response keys, the attributes they read and a completer per
field type (leaf coercion, lists, nested plain objects, non-null checks). It
then completes each object with that projection instead of the per-field
machinery.

The projection never changes a result. Whenever it meets anything it does not
handle exactly like graphql-core, it gives up on the object and the standard
path completes it instead, so errors carry the same messages and paths:

- a null for a non-null field, a value a scalar cannot represent, a list that
  is not iterable, a missing attribute: the standard path raises the error;
- fields with resolvers, arguments or extensions, abstract types, types with
  ``is_type_of``, ``@defer``, and schemas with resolve middleware are never
  projected.

``tests/api/test_executor.py`` runs queries with both executors and compares
the answers, errors included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from math import isfinite
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLString,
)
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

#: Metadata key under which Strawberry links a graphql-core field to its definition.
_BACKREF = "strawberry-definition"

Completer = Callable[[Any], Any]


class _GiveUp(Exception):  # a control-flow signal, not an error
    """The projection cannot complete this value exactly: use the standard path."""


def _leaf(leaf: GraphQLLeafType, nullable: bool) -> Completer:
    """Coerce a scalar or enum value as graphql-core does.

    Values that are already what a built-in scalar outputs (a ``str`` for
    String, a finite ``float`` for Float...) pass as they are; anything else
    goes through the type's own coercion.
    """
    coerce = leaf.coerce_output_value
    native = next((python for scalar, python in _NATIVE if leaf is scalar), None)
    integer_ids = leaf is GraphQLID

    def complete(value: Any) -> Any:
        kind = type(value)
        if kind is native:
            if kind is not float or isfinite(value):
                return value
            raise _GiveUp  # NaN and infinities are errors, reported by the standard path
        if value is None:
            if nullable:
                return None
            raise _GiveUp
        if integer_ids and kind is int:
            return str(value)
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise _GiveUp
        return coerced

    return complete


#: Built-in scalars whose output is the Python value itself when it has this type.
_NATIVE: tuple[tuple[GraphQLScalarType, type], ...] = (
    (GraphQLString, str),
    (GraphQLBoolean, bool),
    (GraphQLInt, int),
    (GraphQLFloat, float),
    (GraphQLID, str),
)


def _constant(value: str) -> Completer:
    return lambda _: value


def _non_null(inner: Completer) -> Completer:
    def complete(value: Any) -> Any:
        completed = inner(value)
        if completed is None:
            raise _GiveUp
        return completed

    return complete


def _list(inner: Completer) -> Completer:
    def complete(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
            raise _GiveUp
        return [inner(item) for item in value]

    return complete


def _object(
    attrs: tuple[str, ...], keys: tuple[str, ...], fields: tuple[Completer, ...]
) -> Completer:
    entries = tuple(zip(keys, attrs, fields, strict=True))

    def complete(value: Any) -> Any:
        if value is None:
            return None
        return {key: field(getattr(value, attr)) for key, attr, field in entries}

    return complete


class PlainDataExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, with plain-data objects completed by projection."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (type, id(field details list)) -> (the list, kept alive; projection or None)
        self._projections: dict[tuple[GraphQLObjectType, int], tuple[Any, Completer | None]] = {}
        middleware = self.middleware_manager
        self._projecting = not (middleware and middleware.middlewares)

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        if self._projecting and result is not None:
            project = self._projection(return_type, field_details_list)
            if project is not None:
                try:
                    return project(result)
                except Exception:  # noqa: S110 - the standard path reports it
                    pass
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _projection(
        self, object_type: GraphQLObjectType, field_details_list: Any
    ) -> Completer | None:
        key = (object_type, id(field_details_list))
        cached = self._projections.get(key)
        if cached is None:
            cached = (field_details_list, self._build(object_type, field_details_list))
            self._projections[key] = cached
        return cached[1]

    def _build(self, object_type: GraphQLObjectType, field_details_list: Any) -> Completer | None:
        if object_type.is_type_of is not None:
            return None
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(
            object_type, field_details_list
        )
        if new_defer_usages:
            return None
        attrs: list[str] = []
        keys: list[str] = []
        fields: list[Completer] = []
        for response_key, details in grouped_field_set.items():
            node = details[0].node
            name = node.name.value
            if name == "__typename":
                attrs.append("__class__")
                fields.append(_constant(object_type.name))
            else:
                field_def = object_type.fields.get(name)
                if field_def is None or field_def.args or node.arguments:
                    return None
                definition = (field_def.extensions or {}).get(_BACKREF)
                if not (
                    isinstance(definition, StrawberryField)
                    and definition.is_basic_field
                    and definition.default_resolver is getattr
                    and getattr(field_def.resolve, "_is_default", False)
                ):
                    return None
                completer = self._completer(field_def.type, details)
                if completer is None:
                    return None
                attrs.append(definition.python_name)
                fields.append(completer)
            keys.append(response_key)
        return _object(tuple(attrs), tuple(keys), tuple(fields))

    def _completer(self, output_type: GraphQLOutputType, details: Any) -> Completer | None:
        if isinstance(output_type, GraphQLNonNull):
            of_type = output_type.of_type
            if isinstance(of_type, GraphQLScalarType | GraphQLEnumType):
                return _leaf(of_type, nullable=False)
            inner = self._completer(of_type, details)
            return _non_null(inner) if inner else None
        if isinstance(output_type, GraphQLList):
            inner = self._completer(output_type.of_type, details)
            return _list(inner) if inner else None
        if isinstance(output_type, GraphQLScalarType | GraphQLEnumType):
            return _leaf(output_type, nullable=True)
        if isinstance(output_type, GraphQLObjectType):
            return self._projection(output_type, details)
        return None  # interfaces and unions resolve their runtime type per value


__all__ = ["PlainDataExecutor"]
