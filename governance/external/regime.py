"""Pure rules of external services: which regime applies and why, its checklist, the application state machine.

No database, no web. The classification scheme and the 機密性2以上 rule come from ``governance.engagements.facts``;
requirement ids and labels from ``governance.requirements``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from governance.engagements.facts import CONFIDENTIALITY_LABELS, CONFIDENTIALITY_LEVELS, EngagementFacts
from governance.external.codes import ApplicationStatus, Regime, ServiceStatus
from governance.requirements import REQUIREMENTS

# -- classification ------------------------------------------------------------------------------------------------

# One scale for both schemes, so that a level can be compared with another: R5 機密性3 sits with R6 3C, the lowest
# of the 機密性3 levels, which errs on the side of asking for a new approval.
_RANK: dict[str, int] = {"1": 1, "2": 2, "3": 3, "3C": 3, "3B": 4, "3A": 5}


def level_rank(level: str | None) -> int:
    """The position of a confidentiality level on one scale (0 for none or an unknown value)."""
    return _RANK.get(level or "", 0)


def is_above(level: str | None, limit: str | None) -> bool:
    """Tell whether ``level`` is more confidential than ``limit`` (anything is above no limit at all)."""
    return level_rank(level) > level_rank(limit)


def higher(a: str | None, b: str | None) -> str | None:
    """The more confidential of two levels."""
    return a if level_rank(a) >= level_rank(b) else b


def level_problem(scheme: str, level: str) -> str | None:
    """Say what is wrong with a confidentiality level under the scheme in force (None when it is valid)."""
    levels = CONFIDENTIALITY_LEVELS.get(scheme)
    if levels is None:
        return "分類の基準はR6またはR5です。"
    if level not in levels:
        return f"機密性は {'・'.join(CONFIDENTIALITY_LABELS[x] for x in levels)} のいずれかを選んでください。"
    return None


@dataclass(frozen=True)
class RegimeDecision:
    """The regime that applies to a classification, with the reason shown on the page."""

    regime: str
    label: str
    reason: str
    requirement_ids: tuple[str, ...]


FULL_IDS: tuple[str, ...] = tuple(
    r
    for r in REQUIREMENTS
    if r.startswith(("EXT-REG", "EXT-SEL", "EXT-PRC", "EXT-APR", "EXT-BLD", "EXT-OPS", "EXT-END"))
)
LOW_IDS: tuple[str, ...] = tuple(r for r in REQUIREMENTS if r.startswith("EXT-LOW"))

REGIME_NAMES: dict[str, str] = {
    Regime.full: "機密性2以上を取り扱う外部サービスの手続（選定・調達・承認・構築・運用・終了）",
    Regime.low: "約款による外部サービスの手続（機密性2以上を取り扱わない）",
}


def regime_for(scheme: str, confidentiality: str) -> RegimeDecision:
    """Choose the regime from the highest classification the service may handle (EXT-SEL-01).

    機密性2以上 (R6: 自治体機密性2以上) follows the full flow EXT-REG〜EXT-END; information that is public or meant for
    publication (機密性1) follows the 約款型 flow EXT-LOW.
    """
    label = CONFIDENTIALITY_LABELS.get(confidentiality, confidentiality)
    if EngagementFacts(scheme=scheme, confidentiality=confidentiality).is_c2_plus:
        return RegimeDecision(
            Regime.full,
            REGIME_NAMES[Regime.full],
            f"取り扱う情報の最高の分類が「{label}」で、機密性2以上に当たるため、"
            "選定・調達・承認・構築・運用・終了の各段階の対策（EXT-REG〜EXT-END）が必要です。",
            FULL_IDS,
        )
    return RegimeDecision(
        Regime.low,
        REGIME_NAMES[Regime.low],
        f"取り扱う情報の最高の分類が「{label}」で、機密性2以上の情報を取り扱わないため、"
        "約款による外部サービスとして、約款を確認したうえで申請し承認を受ける手続（EXT-LOW）が適用されます。",
        LOW_IDS,
    )


# -- usage applications: the state machine --------------------------------------------------------------------------

ACTION_LABELS: dict[str, str] = {
    "edit": "編集",
    "submit": "申請",
    "start_review": "審査開始",
    "approve": "承認",
    "reject": "却下",
    "return": "差戻し",
}

TRANSITIONS: dict[tuple[str, str], str] = {
    (ApplicationStatus.draft, "edit"): ApplicationStatus.draft,
    (ApplicationStatus.returned, "edit"): ApplicationStatus.returned,
    (ApplicationStatus.draft, "submit"): ApplicationStatus.submitted,
    (ApplicationStatus.returned, "submit"): ApplicationStatus.submitted,
    (ApplicationStatus.submitted, "start_review"): ApplicationStatus.under_review,
    (ApplicationStatus.under_review, "approve"): ApplicationStatus.approved,
    (ApplicationStatus.under_review, "reject"): ApplicationStatus.rejected,
    (ApplicationStatus.under_review, "return"): ApplicationStatus.returned,
}
"""下書き → 申請 → 審査 → 承認 / 却下 / 差戻し (差戻し goes back to the applicant, who may edit and apply again)."""

REVIEWER_ACTIONS = frozenset({"start_review", "approve", "reject", "return"})
"""Steps taken by the approver (許可権限者), never by the applicant."""


class TransitionRefused(Exception):
    """The action is not allowed in the application's current status."""

    def __init__(self, status: str, action: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.action = action
        self.message = message


def allowed_actions(status: str) -> list[str]:
    """The actions allowed in a status, in display order."""
    return [a for a in ACTION_LABELS if (status, a) in TRANSITIONS]


def next_status(status: str, action: str) -> str:
    """The status an action leads to.

    Raises:
        TransitionRefused: the action is not allowed in this status (with a Japanese message).
    """
    target = TRANSITIONS.get((status, action))
    if target is None:
        from governance.external.codes import APPLICATION_STATUS_LABELS

        current = APPLICATION_STATUS_LABELS.get(status, status)
        raise TransitionRefused(
            status, action, f"この利用申請は「{current}」のため、{ACTION_LABELS.get(action, action)}できません。"
        )
    return target


# -- lifecycle -----------------------------------------------------------------------------------------------------

BUILD_ITEMS: dict[str, str] = {
    "access_control": "アクセス制御（利用者・権限の設定）",
    "encryption": "暗号化（通信・保存データ）",
    "secure_development": "安全な開発・構築（設定手順・テスト）",
    "misconfiguration": "設計・設定の誤りの防止（第三者確認・チェックリスト）",
}
REVIEW_ITEMS: dict[str, str] = {
    "usage_policy": "利用方針・利用手順",
    "training": "利用者への教育",
    "assets": "資産（アカウント・データ）の管理",
    "access_control": "アクセス制御（不要なアカウント・権限の整理）",
    "encryption": "暗号化",
    "communication": "サービス内の通信の制御（共有設定等）",
    "misconfiguration": "設定の誤りの防止",
    "continuity": "事業継続（障害・停止時の対応）",
}
EXIT_ITEMS: dict[str, str] = {
    "data_deleted": "データの消去（消去証明等の確認）",
    "accounts_deleted": "利用のために作成したアカウントの削除",
    "migration": "データの移行・取出し（移行先への移行、または不要の確認）",
}

ENDABLE_STATUSES = frozenset({ServiceStatus.approved, ServiceStatus.operating})


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when that month is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def missing_items(required: dict[str, str], checked: list[str]) -> list[str]:
    """Labels of the required items that were not confirmed."""
    return [label for key, label in required.items() if key not in checked]


def end_refusal(status: str, exit_confirmed_on: dt.date | None) -> str | None:
    """Why a service cannot be marked ended (None when it can): exit measures come first (EXT-END-01)."""
    if status == ServiceStatus.ended:
        return "この外部サービスは既に利用終了になっています。"
    if status not in ENDABLE_STATUSES:
        return "承認されていない外部サービスは利用終了にできません。"
    if exit_confirmed_on is None:
        return (
            "終了時の対策（データの消去・アカウントの削除・移行）の確認が記録されていないため、"
            "利用終了にできません。先に外部サービス管理者が終了時の確認を記録してください。"
        )
    return None
