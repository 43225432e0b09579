"""What the signed-in user must act on: each domain registers a provider; the home page lists their items."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from governance.actor import Actor


@dataclass(frozen=True)
class TodoItem:
    """One thing a user must act on."""

    title: str
    href: str
    due: dt.date | None = None
    kind: str = ""
    overdue: bool = False


TodoProvider = Callable[[Actor, dt.date], Awaitable[list[TodoItem]]]

_providers: list[TodoProvider] = []


def register_todo_provider(provider: TodoProvider) -> None:
    """Add a source of to-do items (domains call this when the app is built)."""
    if provider not in _providers:
        _providers.append(provider)


async def todos_for(actor: Actor, today: dt.date) -> list[TodoItem]:
    """Collect every provider's items for the actor: overdue first, then by due date."""
    items: list[TodoItem] = []
    for provider in _providers:
        items.extend(await provider(actor, today))
    # Stable sort: items without a due date keep the order their provider gave (e.g. oldest request first).
    return sorted(items, key=lambda i: (not i.overdue, i.due or dt.date.max))
