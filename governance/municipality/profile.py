"""The municipality as documents and pages use it, and how stored settings fall back to the environment (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

SETTINGS_PATH = "/admin/municipality"
"""The administrator's page where the municipality is set."""

FIELDS = (
    "name", "head_title", "head_name", "address", "contact_department", "contact_phone", "contact_email",
    "public_heading",
)  # fmt: skip
"""The stored fields, in the order of the settings page."""

FIELD_LABELS = {
    "name": "団体名", "head_title": "代表者の職", "head_name": "代表者の氏名", "address": "住所",
    "contact_department": "問い合わせ先（担当部署）", "contact_phone": "問い合わせ先（電話番号）",
    "contact_email": "問い合わせ先（メールアドレス）", "public_heading": "公開ページの見出し",
}  # fmt: skip

UNSET_MESSAGE = (
    "団体名と代表者（職・氏名）が設定されていないため、契約書案を作成できません。"
    f"システム管理者が「管理」の「団体の設定」（{SETTINGS_PATH}）で設定してください。"
)
"""Why a draft is refused while the municipality is not set (pages link the path it names)."""


def split_head(head: str) -> tuple[str, str]:
    """Split a representative written in one line (みどり市長 緑川 一郎) into title and name at the first space."""
    text = head.strip().replace("\u3000", " ")
    title, _, name = text.partition(" ")
    return title, name.strip()


@dataclass(frozen=True)
class Municipality:
    """The municipality as it appears in contracts, forms and public pages."""

    name: str
    head: str
    address: str = ""
    contact_department: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    public_heading: str = ""
    head_title: str = ""
    head_name: str = ""

    @property
    def complete(self) -> bool:
        """Whether contracts can name both parties' side of the municipality (団体名 and 代表者)."""
        return bool(self.name.strip() and self.head.strip())

    @property
    def display_name(self) -> str:
        """The name pages use, 本市 while none is set."""
        return self.name or "本市"

    @property
    def heading(self) -> str:
        """The public pages' heading: as set, or built from the name."""
        return self.public_heading or f"{self.display_name} 公式ソーシャルメディアアカウント"

    @property
    def has_contact(self) -> bool:
        """Whether any contact detail is set."""
        return bool(self.contact_department or self.contact_phone or self.contact_email)

    def form_values(self) -> dict[str, str]:
        """The values the settings form shows (the representative split into title and name)."""
        title, name = (self.head_title, self.head_name) if self.head_title or self.head_name else split_head(self.head)
        values = {f: getattr(self, f) for f in FIELDS if f not in ("head_title", "head_name")}
        return values | {"head_title": title, "head_name": name}


def merged(stored: Mapping[str, Any] | None, defaults: Municipality) -> Municipality:
    """The stored settings, each empty field taken from ``defaults`` (the environment's initial values)."""
    stored = stored or {}
    values = {f.name: getattr(defaults, f.name) for f in fields(Municipality)}
    for key in FIELDS:
        if str(stored.get(key) or "").strip():
            values[key] = str(stored[key]).strip()
    if str(stored.get("head_title") or "").strip() or str(stored.get("head_name") or "").strip():
        title, name = str(stored.get("head_title") or "").strip(), str(stored.get("head_name") or "").strip()
        values.update(head_title=title, head_name=name, head=f"{title} {name}".strip())
    return Municipality(**values)


def from_settings(settings: Any, *, fallback: bool = False) -> Municipality:
    """The municipality as the environment gives it (GOVERNANCE_MUNICIPALITY_*); ``fallback``: the demo city."""
    return Municipality(
        settings.municipality_name or ("みどり市" if fallback else ""),
        settings.municipality_head or ("みどり市長 緑川 一郎" if fallback else ""),
        settings.municipality_address,
    )
