"""Who performs a use case: passed from the interface (page, API, CLI) into services."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    """The person (or system process) on whose behalf a service runs."""

    id: int | None
    label: str
    roles: frozenset[str] = field(default_factory=frozenset)
    department_id: int | None = None

    @classmethod
    def system(cls, what: str) -> Actor:
        """An actor for work started by the system itself (CLI, scheduled jobs)."""
        return cls(id=None, label=f"システム（{what}）")

    def has_any(self, *roles: str) -> bool:
        """Tell whether the actor holds at least one of the roles."""
        return bool(self.roles.intersection(roles))
