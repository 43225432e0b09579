"""What the signed-in user must act on: each domain registers a provider; the home page lists their items.

A provider returns groups, one per kind of to-do: at most ``TODO_LIMIT`` items each (the most urgent, chosen in SQL
where the condition can be written in SQL), with the total of that kind and the list page that shows them all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from governance.actor import Actor

TODO_LIMIT = 10
"""The most items of one kind the home page lists; the rest are counted (「ほか n 件」) and linked."""


@dataclass(frozen=True)
class TodoItem:
    """One thing a user must act on."""

    title: str
    href: str
    due: dt.date | None = None
    kind: str = ""
    overdue: bool = False


@dataclass(frozen=True)
class TodoGroup:
    """The listed items of one kind of to-do, how many there are in all, and the page that lists every one."""

    kind: str
    items: list[TodoItem]
    total: int
    more_href: str = ""

    @property
    def more(self) -> int:
        """How many of this kind the home page does not list."""
        return max(0, self.total - len(self.items))


@dataclass(frozen=True)
class Todos:
    """The home page's to-dos: the listed items (overdue first, then by due date) and the kinds with more."""

    items: list[TodoItem]
    groups: list[TodoGroup]

    @property
    def more(self) -> list[TodoGroup]:
        """The groups some of whose items are not listed."""
        return [g for g in self.groups if g.more]


TodoProvider = Callable[[Actor, dt.date], Awaitable[list[TodoGroup]]]

_providers: list[TodoProvider] = []


def register_todo_provider(provider: TodoProvider) -> None:
    """Add a source of to-do items (domains call this when the app is built)."""
    if provider not in _providers:
        _providers.append(provider)


def urgency(item: TodoItem) -> tuple[bool, dt.date]:
    """Sort key: overdue first, then by due date; items without a due date last."""
    return (not item.overdue, item.due or dt.date.max)


def group(kind: str, items: Iterable[TodoItem], *, more_href: str = "", limit: int = TODO_LIMIT) -> TodoGroup:
    """A group of items judged in Python (conditions SQL cannot express): the ``limit`` most urgent of them."""
    ordered = sorted(items, key=urgency)
    return TodoGroup(kind=kind, items=ordered[:limit], total=len(ordered), more_href=more_href)


async def bounded(select: Any, count: Any, *, limit: int = TODO_LIMIT) -> tuple[list[dict[str, Any]], int]:
    """The first ``limit`` rows of an ordered select and the number of all its rows (counted only when needed)."""
    rows = await select.limit(limit)
    return rows, (len(rows) if len(rows) < limit else await count)


def items_of(groups: Iterable[TodoGroup]) -> list[TodoItem]:
    """Every listed item of the groups, in their order."""
    return [item for g in groups for item in g.items]


async def todos_for(actor: Actor, today: dt.date) -> Todos:
    """Collect every provider's groups for the actor: listed items overdue first, then by due date."""
    groups: list[TodoGroup] = []
    for provider in _providers:
        groups.extend(g for g in await provider(actor, today) if g.total)
    # Stable sort: items without a due date keep the order their provider gave (e.g. oldest request first).
    return Todos(items=sorted(items_of(groups), key=urgency), groups=groups)
