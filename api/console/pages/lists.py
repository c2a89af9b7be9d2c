"""Pagination of the console's lists: fetch one row more than a page to know whether there is a next page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Generic, TypeVar
from urllib.parse import urlencode

from pydantic import BeforeValidator, Field

T = TypeVar("T")


@dataclass(frozen=True)
class Pages(Generic[T]):
    rows: Sequence[T]
    offset: int
    size: int
    more: bool
    filters: Mapping[str, object] = field(default_factory=dict)

    @property
    def number(self) -> int:
        return self.offset // self.size + 1

    @property
    def prev(self) -> int | None:
        return max(0, self.offset - self.size) if self.offset > 0 else None

    @property
    def next(self) -> int | None:
        return self.offset + self.size if self.more else None

    def query(self, offset: int) -> str:
        """The query string of another page with the same filters."""
        kept = {k: v for k, v in self.filters.items() if v not in (None, "", False)}
        return "?" + urlencode({**kept, "offset": offset})


def paged(fetched: Sequence[T], offset: int, size: int, filters: Mapping[str, object] | None = None) -> Pages[T]:
    """`fetched` holds up to size + 1 rows from `offset`."""
    return Pages(rows=fetched[:size], offset=offset, size=size, more=len(fetched) > size, filters=filters or {})


def midnight(day: date) -> datetime:
    """A filter's day as the UTC instant it starts."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


# a filter form sends every field, the empty ones as "": they mean "no filter", not a bad date
OptionalDay = Annotated[date | None, BeforeValidator(_blank_is_none)]
OptionalDays = Annotated[Annotated[int, Field(ge=1, le=3650)] | None, BeforeValidator(_blank_is_none)]
