"""The one row of municipality settings (団体の設定); empty fields fall back to GOVERNANCE_MUNICIPALITY_*."""

from __future__ import annotations

from piccolo.columns import Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class MunicipalityProfile(Table, tablename="municipality_profile"):
    """The municipality as documents and public pages name it (at most one row)."""

    name = Varchar(length=100, default="")
    head_title = Varchar(length=100, default="")
    head_name = Varchar(length=100, default="")
    address = Varchar(length=200, default="")
    contact_department = Varchar(length=100, default="")
    contact_phone = Varchar(length=30, default="")
    contact_email = Varchar(length=254, default="")
    public_heading = Varchar(length=200, default="")
    updated_at = Timestamptz(default=TimestamptzNow())
