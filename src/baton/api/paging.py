"""Pages for every list endpoint: at most `MAX_PAGE` items, at most `MAX_OFFSET` deep.

A list answer never grows with the table: a client walks it with `offset` (the previous
answer's `next_offset`), and deep offsets, which the database pays for row by row, are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

MAX_PAGE = 500
MAX_OFFSET = 10_000


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int

    def next_offset(self, returned: int) -> int | None:
        """Where the next page starts, or None when this one was the last."""
        following = self.offset + returned
        return following if returned == self.limit and following <= MAX_OFFSET else None


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"at most {MAX_PAGE}")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="the previous next_offset")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]
