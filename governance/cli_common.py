"""Helpers shared by the ``governance`` command modules: run a coroutine with the database, fail in Japanese."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar

import click

T = TypeVar("T")


def run_async(fn: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine function with the database lifespan around it (connections closed at the end)."""
    from governance.db import db_lifespan

    async def main() -> T:
        async with db_lifespan():
            return await fn()

    return asyncio.run(main())


def fail(message: str) -> NoReturn:
    """Print the message in red on standard error and exit 1."""
    click.secho(message, fg="red", err=True)
    sys.exit(1)
