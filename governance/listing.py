"""Lists read one page's ids first, then that page's rows (issue 16).

A list's id query selects only the id from its one table, with the filters, the order and LIMIT/OFFSET, so that the
database walks an index in the list's order and stops after the page (the query-plan tests check each list's id query).
The joined, wide rows are then loaded for those ids only and put back in the ids' order; the count runs on the same
narrow conditions.
"""

from __future__ import annotations

from typing import Any


async def ids_then_rows(ids_query: Any, rows_query: Any, id_column: Any, count_query: Any) -> tuple[list[dict], int]:
    """Run ``ids_query`` (rows with an ``id``), load ``rows_query`` for those ids, keep their order; with the count.

    ``rows_query`` is the list's full select without filters, order or limit; ``id_column`` is its table's id column.
    """
    ids = [r["id"] for r in await ids_query]
    total = await count_query
    if not ids:
        return [], total
    found = {r["id"]: r for r in await rows_query.where(id_column.is_in(ids))}
    return [found[i] for i in ids if i in found], total
