"""The evidence file table; the bytes live under DATA_DIR/files, named by their SHA-256."""

from __future__ import annotations

from piccolo.columns import Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class StoredFile(Table, tablename="stored_file"):
    """An uploaded file: never served from a path the user chose, only by id with its checked type."""

    sha256 = Varchar(length=64, required=True, index=True)
    size = Integer(required=True)
    content_type = Varchar(length=100, required=True)
    original_name = Varchar(length=255, required=True)
    uploaded_by_id = Integer(null=True, default=None)
    uploaded_by_label = Varchar(length=200, default="")
    uploaded_at = Timestamptz(default=TimestamptzNow())
