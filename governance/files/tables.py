"""The evidence file tables; the bytes live under DATA_DIR/files named by their SHA-256, or in file_blob."""

from __future__ import annotations

from piccolo.columns import Bytea, Integer, Timestamptz, Varchar
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


class FileBlob(Table, tablename="file_blob"):
    """A stored file's bytes kept in the database (``GOVERNANCE_FILE_STORAGE=database``), one row per SHA-256.

    Written in the transaction of the upload, so a rollback leaves no blob; several hosts on one database all read it.
    """

    sha256 = Varchar(length=64, required=True, unique=True)
    data = Bytea(required=True)
    size = Integer(required=True)
    created_at = Timestamptz(default=TimestamptzNow())
