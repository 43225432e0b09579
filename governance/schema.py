"""The one base Struct every schema derives from."""

from __future__ import annotations

import msgspec


class Struct(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Base for request and response shapes; unknown fields are refused, not ignored."""
