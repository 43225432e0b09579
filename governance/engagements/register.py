"""The engagement and selection registers as exported (.xlsx and CSV): their columns, read from the services."""

from __future__ import annotations

from governance.engagements.facts import SEGMENT_LABELS, WORK_KIND_LABELS, WORK_LOCATION_LABELS
from governance.exports import codes, field

ENGAGEMENT_TITLE = "委託業務一覧"
ENGAGEMENT_COLUMNS = (
    field("id", "番号", 8),
    field("title", "業務名", 36),
    field("department_name", "所管課", 20),
    field("supervisor_name", "監督職員", 16),
    field("contractor_name", "委託事業者", 28),
    field("tier_label", "重要度", 8),
    field("confidentiality_label", "機密性", 16),
    field("integrity", "完全性", 8),
    field("availability", "可用性", 8),
    field("personal_info", "個人情報", 10),
    field("specific_personal_info", "特定個人情報", 12),
    codes("work_kinds", "業務の種類", 28, WORK_KIND_LABELS),
    codes("work_locations", "作業場所", 24, WORK_LOCATION_LABELS),
    codes("segments", "接続するネットワーク", 24, SEGMENT_LABELS),
    field("remote_access", "リモート接続", 10),
    field("off_premises", "庁外への持ち出し", 10),
    field("subcontracting", "再委託", 8),
    field("subcontractors", "再委託先", 28),
    field("start_date", "履行期間（開始）", 16),
    field("end_date", "履行期間（終了）", 16),
    field("renewal_label", "更新", 14),
    field("renewal_months", "更新期間（月）", 10),
    field("notice_days", "解約の申出期間（日）", 10),
    field("contract_value", "契約金額（税込・円）", 14),
    field("contract_version", "契約書の版", 18),
    field("contract_status", "契約の状態", 12),
    field("signed_on", "締結日", 16),
    field("library_version", "条項ライブラリの版", 14),
    field("status_label", "状態", 10),
    field("updated_at", "更新日時", 18),
)
"""One row per engagement: its facts, its contractor and the latest version of its contract."""

SELECTION_TITLE = "委託事業者の選定記録一覧"
SELECTION_COLUMNS = (
    field("id", "番号", 8),
    field("engagement", "委託業務の番号", 10),
    field("engagement_title", "委託業務", 36),
    field("department_name", "所管課", 20),
    field("version", "版", 6),
    field("method_label", "選定方法", 18),
    field("legal_ground", "根拠", 28),
    field("status_label", "状態", 14),
    field("evaluated_on", "評価日", 16),
    field("candidates", "候補者", 36),
    field("selected_contractor_name", "選定された事業者", 28),
    field("rationale", "選定の理由", 40),
    field("prepared_by", "作成者", 16),
    field("submitted_at", "提出日時", 18),
    field("approved_by", "承認者", 16),
    field("approved_at", "承認日時", 18),
    field("review_comment", "審査のコメント", 30),
    field("supersedes", "訂正前の記録の番号", 10),
)
"""One row per selection version (a correction is a new version, the one it corrects stays as 訂正により失効)."""
