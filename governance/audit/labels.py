"""Japanese names of the kinds of record an audit entry is about (``target_type``), for pages and exports."""

from __future__ import annotations

TARGET_LABELS: dict[str, str] = {
    "user": "利用者",
    "department": "所属",
    "api_token": "APIトークン",
    "municipality": "団体の設定",
    "file": "ファイル",
    "contractor": "委託事業者",
    "engagement": "委託業務",
    "selection": "選定",
    "contract_version": "契約書の版",
    "contract_library": "条項ライブラリ",
    "bid_package": "調達用一式",
    "subcontractor_approval": "再委託の承認",
    "check": "確認",
    "report_link": "報告用リンク",
    "finding": "指摘事項",
    "measure": "措置",
    "notification": "通知",
    "calendar_feed": "予定表URL",
    "external_service": "外部サービス",
    "external_application": "外部サービス利用申請",
    "social_account": "SNSアカウント",
    "social_template": "SNS投稿ルールの雛形",
    "incident": "事故・インシデント",
}
"""Every ``target_type`` the code records (tests/unit/test_audit_labels.py keeps this complete)."""


def target_label(target_type: str) -> str:
    """The Japanese name of a kind of record, or the code itself for one this version does not know."""
    return TARGET_LABELS.get(target_type, target_type)
