"""The external-service registers as files (.xlsx and CSV): which columns, in which order, under which headers."""

from __future__ import annotations

from governance.exports import field
from governance.external.codes import DATA_LOCATION_LABELS, ISMAP_LABELS

SERVICE_EXPORT_TITLE = "外部サービス台帳"
SERVICE_COLUMNS = (
    field("id", "番号", 8),
    field("name", "サービス名", 30),
    field("provider_name", "提供者", 24),
    field("kind_label", "種類", 16),
    field("platform_label", "プラットフォーム", 14),
    field("contract_type_label", "契約の形態", 18),
    field("regime_label", "手続の区分", 14),
    field("ismap", "ISMAP・ISMAP-LIU", 18, labels=ISMAP_LABELS),
    field("ismap_number", "ISMAP登録番号", 16),
    field("ismap_valid_until", "ISMAPの有効期限", 16),
    field("other_certifications", "その他の認証", 20),
    field("data_location", "データの保存場所", 18, labels=DATA_LOCATION_LABELS),
    field("governing_law", "準拠法", 14),
    field("jurisdiction", "裁判管轄", 14),
    field("max_confidentiality_label", "取り扱える情報の最高の分類", 22),
    field("approved_confidentiality_label", "承認された分類", 18),
    field("status_label", "状態", 12),
    field("approved_at", "承認日時", 18),
    field("administrator_name", "外部サービス管理者", 16),
    field("departments", "利用している課", 24),
    field("account_total", "アカウント数", 10),
    field("review_cycle_months", "定期確認の周期（月）", 10),
    field("last_review_on", "前回の定期確認", 16),
    field("next_review_on", "次回の定期確認（見直し日）", 18),
    field("terms_version", "利用規約の版", 14),
    field("terms_reviewed_on", "利用規約の確認日", 16),
    field("contractor_name", "委託事業者", 20),
    field("engagement_title", "委託業務", 24),
    field("url", "URL", 30),
    field("purpose", "利用目的・用途", 30),
    field("ended_on", "利用終了日", 16),
    field("flags", "要確認事項", 40),
)
"""外部サービス台帳 as exported: the registry facts the CISO and auditors ask about, codes as their Japanese names."""

APPLICATION_EXPORT_TITLE = "外部サービス利用申請"
APPLICATION_COLUMNS = (
    field("id", "申請番号", 8),
    field("service_name", "外部サービス", 24),
    field("department_name", "申請する課", 18),
    field("applicant_name", "申請者", 14),
    field("status_label", "状態", 12),
    field("confidentiality_label", "情報の分類", 16),
    field("regime_label", "手続の区分", 14),
    field("purpose", "利用目的", 30),
    field("information", "取り扱う情報", 30),
    field("users", "利用者の範囲", 20),
    field("account_count", "アカウント数", 10),
    field("period_start", "利用期間（開始）", 16),
    field("period_end", "利用期間（終了）", 16),
    field("submitted_at", "申請日時", 18),
    field("reviewer_name", "審査者", 14),
    field("decided_at", "決定日時", 18),
    field("approver_name", "承認者", 14),
    field("approved_on", "承認日", 16),
    field("administrator_name", "外部サービス管理者", 16),
    field("decision_comment", "決定の理由・コメント", 30),
    field("above_service_limit", "取り扱える分類を超過", 12),
    field("above_approval", "承認範囲を超える", 12),
)
"""利用申請 as exported: who asked for what, and how and by whom it was decided."""
