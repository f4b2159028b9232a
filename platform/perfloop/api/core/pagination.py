"""Relay connection types."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

import strawberry
from strawberry.types.nodes import FragmentSpread, InlineFragment

if TYPE_CHECKING:
    from strawberry.types.nodes import Selection

    from perfloop.api.core.context import Info

from perfloop.services.core.pagination import Page

NodeT = TypeVar("NodeT")
RecordT = TypeVar("RecordT")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


def asks_total(info: Info) -> bool:
    """Whether the query selects the connection's ``totalCount`` (a service pages
    without counting otherwise: ``keyset_page(count=False)``)."""
    return any(
        getattr(selection, "name", None) == "totalCount"
        for field in info.selected_fields
        for selection in _flatten(field.selections)
    )


def _flatten(selections: Sequence[Selection]) -> Iterator[Selection]:
    for selection in selections:
        if isinstance(selection, FragmentSpread | InlineFragment):
            yield from _flatten(selection.selections)
        else:
            yield selection


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    total_count: int = strawberry.field(description="Every row the list holds, over all pages.")

    @classmethod
    def from_page(
        cls, page: Page[RecordT], to_node: Callable[[RecordT], NodeT]
    ) -> Connection[NodeT]:
        edges = [
            Edge(cursor=c, node=to_node(item))
            for item, c in zip(page.items, page.cursors, strict=True)
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
            # None only when the query did not select totalCount (asks_total)
            total_count=page.total_count if page.total_count is not None else 0,
        )
