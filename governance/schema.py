"""The one base Struct every schema derives from."""

from __future__ import annotations

import msgspec


class Struct(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Base for request and response shapes; unknown fields are refused, not ignored."""

    def __post_init__(self) -> None:
        """Refuse the NUL character in any text: PostgreSQL cannot store it and SQLite would keep it silently."""
        for name in self.__struct_fields__:
            value = getattr(self, name)
            texts = value if isinstance(value, list) else [value]
            if any(isinstance(t, str) and "\x00" in t for t in texts):
                raise ValueError(f"{name} contains a NUL character (U+0000), which cannot be stored")


MAX_ID = 2_147_483_647
"""Primary keys are ``serial`` (a 4-byte integer on PostgreSQL); larger numbers can name no record."""


def id_field(title: str) -> object:
    """Return the constraints of a field that holds a record id, titled for forms and OpenAPI."""
    return msgspec.Meta(title=title, ge=1, le=MAX_ID)
