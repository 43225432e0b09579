"""The contractor register as exported (.xlsx and CSV): its columns, read from ``ContractorService.export_rows``."""

from __future__ import annotations

from governance.exports import field

CONTRACTOR_TITLE = "委託事業者一覧"
CONTRACTOR_COLUMNS = (
    field("id", "登録番号", 8),
    field("corporate_number", "法人番号", 15),
    field("name", "名称", 30),
    field("name_kana", "フリガナ", 24),
    field("address", "所在地", 36),
    field("representative", "代表者", 18),
    field("contacts", "連絡先", 40),
    field("certifications", "認証（種類・番号・有効期限）", 48),
    field("status_label", "状態", 10),
    field("suspended", "指名停止", 12),
    field("suspension_end", "指名停止の終了日", 16),
    field("registered_on", "登録日", 16),
    field("updated_at", "更新日時", 18),
    field("notes", "備考", 30),
)
"""One row per contractor; contacts and certifications joined in one cell each."""
