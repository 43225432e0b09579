"""Parameter types shared by controllers."""

from __future__ import annotations

from typing import Annotated

from litestar.params import PathParameter

from governance.schema import MAX_ID

PathId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
"""A record id in the path; out-of-range numbers get a 400, not a database error."""
