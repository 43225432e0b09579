"""Data shapes of the municipality settings (API body, page form and what is read back)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from governance.schema import SingleLine, Struct

_Phone = Annotated[
    str,
    msgspec.Meta(
        title="問い合わせ先（電話番号）", max_length=30, pattern=r"^[0-9０-９()（）\-－ー+＋ 内線]*(?!\n)$",
        description="数字・ハイフン・括弧（例：0000-00-0000（内線1234））",
    ),
]  # fmt: skip
_Email = Annotated[
    str,
    msgspec.Meta(
        title="問い合わせ先（メールアドレス）", max_length=254, pattern=r"^([^@\s]+@[^@\s]+\.[^@\s]+)?(?!\n)$",
        description="例：jouhou@city.example.lg.jp",
    ),
]  # fmt: skip


class MunicipalityUpdate(Struct):
    """What the administrator sets on 団体の設定; a field left empty takes the environment's initial value."""

    name: Annotated[SingleLine, msgspec.Meta(title="団体名", max_length=100)] = ""
    head_title: Annotated[SingleLine, msgspec.Meta(title="代表者の職", max_length=100)] = ""
    head_name: Annotated[SingleLine, msgspec.Meta(title="代表者の氏名", max_length=100)] = ""
    address: Annotated[SingleLine, msgspec.Meta(title="住所", max_length=200)] = ""
    contact_department: Annotated[SingleLine, msgspec.Meta(title="問い合わせ先（担当部署）", max_length=100)] = ""
    contact_phone: _Phone = ""
    contact_email: _Email = ""
    public_heading: Annotated[SingleLine, msgspec.Meta(title="公開ページの見出し", max_length=200)] = ""


class Municipality(Struct):
    """The municipality in force: stored settings over the environment's initial values."""

    name: str
    head: str
    head_title: str
    head_name: str
    address: str
    contact_department: str
    contact_phone: str
    contact_email: str
    public_heading: str
    heading: str
    complete: bool
