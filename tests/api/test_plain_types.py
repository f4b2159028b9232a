"""Plan types served straight from the service's views keep the same fields."""

from __future__ import annotations

import dataclasses

import pytest
from strawberry.types.base import get_object_definition

from perfloop.api.plans.types import ActionTask, Scorecard, ScorecardItem
from perfloop.services.plans import ItemView, ScorecardView, TaskView


@pytest.mark.parametrize(
    ("graphql_type", "view"),
    [(Scorecard, ScorecardView), (ScorecardItem, ItemView), (ActionTask, TaskView)],
)
def test_every_field_is_an_attribute_of_the_view(graphql_type: type, view: type) -> None:
    definition = get_object_definition(graphql_type, strict=True)
    attributes = {f.name for f in dataclasses.fields(view)} | {
        name for name, value in vars(view).items() if isinstance(value, property)
    }
    missing = [f.python_name for f in definition.fields if f.python_name not in attributes]
    assert missing == [], f"{view.__name__} lacks {missing}; {graphql_type.__name__} reads them"
    # and nothing the GraphQL type reads is computed by a resolver of its own
    assert all(f.base_resolver is None for f in definition.fields)
