"""The check and finding registers as exported (.xlsx and CSV): their columns, read from the list queries."""

from __future__ import annotations

from governance.exports import field

CHECK_TITLE = "確認一覧"
CHECK_COLUMNS = (
    field("id", "番号", 8),
    field("engagement", "委託業務の番号", 10),
    field("engagement_title", "委託業務", 36),
    field("department_name", "所管課", 20),
    field("kind_label", "種類", 22),
    field("title", "件名", 36),
    field("due_on", "期限", 16),
    field("status_label", "状態", 10),
    field("assignee_name", "担当者", 16),
    field("performed_by_name", "実施者", 16),
    field("performed_on", "実施日", 16),
    field("approved_by", "承認者", 16),
    field("approved_on", "承認日", 16),
    field("review_note", "承認・差戻しの所見", 30),
    field("cancel_reason", "中止の理由", 30),
)
"""One row per check; 状態 shows 期限超過 for a check still to perform past its due date, as the page does."""

FINDING_TITLE = "指摘事項・措置一覧"
FINDING_COLUMNS = (
    field("id", "番号", 8),
    field("engagement", "委託業務の番号", 10),
    field("engagement_title", "委託業務", 36),
    field("department_name", "所管課", 20),
    field("check_title", "確認", 30),
    field("title", "指摘事項", 36),
    field("description", "内容", 40),
    field("severity_label", "重要度", 8),
    field("status_label", "状態", 10),
    field("escalated", "情報セキュリティ担当への報告", 14),
    field("opened_on", "指摘日", 16),
    field("next_due", "措置の期限（未完了のうち最も早いもの）", 18),
    field("measure_count", "措置の件数", 8),
    field("open_measures", "対応中の措置", 8),
    field("measures", "措置（種類・期限・状態・担当者）", 60),
    field("closed_on", "完了日", 16),
    field("verification_note", "是正の確認", 30),
)
"""One row per finding, its measures summarised in one cell."""
