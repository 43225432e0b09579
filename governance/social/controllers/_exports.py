"""The SNS account register as a file (.xlsx and CSV): which columns, in which order, under which headers."""

from __future__ import annotations

from governance.exports import Column, field
from governance.social.lifecycle import AccountStatus

ACCOUNT_EXPORT_TITLE = "SNSアカウント一覧"
ACCOUNT_COLUMNS = (
    field("id", "番号", 8),
    field("platform_label", "プラットフォーム", 14),
    field("display_name", "アカウント名", 24),
    field("handle", "ID（ハンドル）", 18),
    field("profile_url", "URL", 30),
    field("department_name", "所管課（運用する所属）", 20),
    field("responsible_name", "責任者", 14),
    field("operator_count", "発信者（運用担当）の人数", 10),
    field("status_label", "状態", 12),
    # as on the list: a closed account's settings no longer matter
    Column("セキュリティ設定の不足項目", lambda r: "" if r["status"] == AccountStatus.closed else r["missing"], 36),
    field("dormant", "休眠の疑い", 10),
    field("dormant_reasons", "休眠の疑いの理由", 30),
    field("attestation_due", "再確認の期限", 16),
    field("last_attested_on", "最後の再確認", 16),
    field("last_post_on", "最後の投稿（報告）", 16),
    field("opened_on", "開設日", 16),
    field("closed_on", "廃止日", 16),
    field("operated_by_contractor", "委託による運用", 10),
    field("purpose", "運用の目的", 30),
)
"""SNSアカウント as exported: each official account, who answers for it, and what its security settings lack."""
