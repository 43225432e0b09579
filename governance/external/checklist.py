"""The checklist of each regime (EXT-* items by phase) and each item's state according to the registry.

Pure module: no database, no web.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from governance.calendar import display_date
from governance.external.codes import Regime
from governance.requirements import REQUIREMENTS

# -- checklist -----------------------------------------------------------------------------------------------------

PHASE_LABELS: dict[str, str] = {
    "rules": "規定（前提）",
    "selection": "選定",
    "procurement": "調達・契約",
    "approval": "利用申請・承認",
    "build": "構築時",
    "operation": "運用・保守時",
    "exit": "更改・廃棄時",
}


@dataclass(frozen=True)
class CheckDefinition:
    """One item of a regime's checklist; ``applicant`` items are confirmed by the applicant in the application."""

    id: str
    phase: str
    text: str
    applicant: bool = False

    @property
    def label(self) -> str:
        """The requirement's short label."""
        return REQUIREMENTS[self.id]


FULL_CHECKLIST: tuple[CheckDefinition, ...] = (
    CheckDefinition(
        "EXT-REG-01", "rules", "外部サービスを利用できる業務・情報システムと、情報を取り扱う場所の基準に沿っている"
    ),
    CheckDefinition("EXT-REG-02", "rules", "統括情報セキュリティ責任者が定めた提供者の選定基準に沿っている"),
    CheckDefinition("EXT-REG-03", "rules", "許可権限者の承認を受ける手続による"),
    CheckDefinition("EXT-REG-04", "rules", "サービスごとに外部サービス管理者を指名し、利用状況を台帳で管理する"),
    CheckDefinition("EXT-SEL-01", "selection", "取り扱う情報の格付・取扱制限に照らして利用の可否を検討した", True),
    CheckDefinition(
        "EXT-SEL-02",
        "selection",
        "目的外利用の禁止、提供者の管理体制、資本関係・役員・所在地等の情報開示、インシデント対応、"
        "サービス水準の確認方法と未達時の扱いを確認した",
        True,
    ),
    CheckDefinition("EXT-SEL-03", "selection", "サービスの中断・終了時の移行方法（データの取出し）を検討した", True),
    CheckDefinition("EXT-SEL-04", "selection", "分類に応じて情報セキュリティ監査の受入れとSLAを確認した", True),
    CheckDefinition(
        "EXT-SEL-05", "selection", "データの保存場所、準拠法、裁判管轄を確認し、外国法のリスクを評価した", True
    ),
    CheckDefinition(
        "EXT-SEL-06", "selection", "再委託先が同等の条件を満たし、承認に必要な情報が提供されることを確認した", True
    ),
    CheckDefinition(
        "EXT-SEL-07", "selection", "分類に応じたセキュリティ要件が国際規格と同等以上であることを確認した", True
    ),
    CheckDefinition("EXT-SEL-08", "selection", "情報の流通経路全体のセキュリティと責任分界を確認した", True),
    CheckDefinition("EXT-SEL-09", "selection", "監査報告書・認証等により提供者の信頼性を総合的に評価した", True),
    CheckDefinition(
        "EXT-SEL-10", "selection", "ISMAPクラウドサービスリストへの登録（登録番号・有効期限）を確認した", True
    ),
    CheckDefinition("EXT-SEL-11", "selection", "影響の小さいSaaSの場合、ISMAP-LIUへの登録を確認した", True),
    CheckDefinition("EXT-PRC-01", "procurement", "選定基準・条件・セキュリティ要件を調達仕様書に記載した", True),
    CheckDefinition("EXT-PRC-02", "procurement", "契約前に仕様を満たすことを確認し、契約（利用条件）に反映した", True),
    CheckDefinition("EXT-APR-01", "approval", "利用する課から許可権限者に利用を申請する"),
    CheckDefinition("EXT-APR-02", "approval", "許可権限者が審査し、利用の可否を決定する"),
    CheckDefinition("EXT-APR-03", "approval", "承認したサービスを台帳に記録し、外部サービス管理者を指名する"),
    CheckDefinition(
        "EXT-BLD-01", "build", "構築時にアクセス制御・暗号化・安全な開発・設計や設定の誤りの防止を確認し記録する"
    ),
    CheckDefinition(
        "EXT-OPS-01",
        "operation",
        "利用方針・教育・資産管理・アクセス制御・暗号化・通信の制御・設定誤りの防止・事業継続を定期的に確認し記録する",
    ),
    CheckDefinition("EXT-END-01", "exit", "終了時にデータの消去・アカウントの削除・移行を確認し記録する"),
)

LOW_CHECKLIST: tuple[CheckDefinition, ...] = (
    CheckDefinition(
        "EXT-LOW-01", "rules", "約款による外部サービスを利用できる業務・手続・運用手順の規定に沿っている", True
    ),
    CheckDefinition(
        "EXT-LOW-02",
        "approval",
        "利用規約（約款）を読み、機密性2以上の情報を取り扱わないこととリスクを許容できることを確認した",
        True,
    ),
    CheckDefinition("EXT-LOW-03", "approval", "許可権限者が審査・承認し、台帳に記録して外部サービス管理者を指名する"),
    CheckDefinition("EXT-LOW-04", "operation", "外部サービス管理者が利用中の対策を講じ、定期的に確認する"),
)


def checklist_for(regime: str) -> tuple[CheckDefinition, ...]:
    """The checklist of a regime."""
    return FULL_CHECKLIST if regime == Regime.full else LOW_CHECKLIST


def applicant_items(regime: str) -> tuple[CheckDefinition, ...]:
    """The items an applicant confirms in a usage application of that regime."""
    return tuple(c for c in checklist_for(regime) if c.applicant)


@dataclass(frozen=True)
class ServiceFacts:
    """What the registry knows about a service, for the checklist's state of each item."""

    regime: str
    status: str
    ismap: str = "none"
    ismap_number: str = ""
    ismap_valid_until: dt.date | None = None
    data_location: str = "unknown"
    governing_law: str = ""
    jurisdiction: str = ""
    terms_version: str = ""
    has_contract: bool = False
    has_administrator: bool = False
    approved: bool = False
    build_confirmed_on: dt.date | None = None
    last_review_on: dt.date | None = None
    next_review_on: dt.date | None = None
    exit_confirmed_on: dt.date | None = None


@dataclass(frozen=True)
class CheckState:
    """An item of the checklist with what the registry says about it: ok, attention, open, or manual."""

    id: str
    label: str
    phase: str
    phase_label: str
    text: str
    state: str
    note: str = ""


STATE_LABELS: dict[str, str] = {"ok": "確認済み", "attention": "要確認", "open": "未実施", "manual": "手続で確認"}

_ISMAP_NAMES = {"ismap": "ISMAP", "ismap_liu": "ISMAP-LIU"}


def _ismap_state(f: ServiceFacts, today: dt.date, wanted: str) -> tuple[str, str]:
    if f.ismap != wanted:
        other = _ISMAP_NAMES.get(f.ismap)
        if other:
            return "ok", f"{other}に登録されています（登録番号 {f.ismap_number or '未入力'}）。"
        return (
            "attention",
            f"{_ISMAP_NAMES[wanted]}の登録が台帳にありません。他の認証・監査報告書で信頼性を確認してください。",
        )
    if not f.ismap_number:
        return "attention", "登録番号が入力されていません。"
    if f.ismap_valid_until is not None and f.ismap_valid_until < today:
        return (
            "attention",
            f"登録番号 {f.ismap_number} の有効期限（{display_date(f.ismap_valid_until)}）が過ぎています。",
        )
    until = f"、有効期限 {display_date(f.ismap_valid_until)}" if f.ismap_valid_until else ""
    return "ok", f"登録番号 {f.ismap_number}{until}"


def _state(item: CheckDefinition, f: ServiceFacts, today: dt.date) -> tuple[str, str]:
    """The registry's view of one item; items only a person can judge are ``manual``."""
    i = item.id
    if i == "EXT-SEL-10":
        return _ismap_state(f, today, "ismap")
    if i == "EXT-SEL-11":
        return _ismap_state(f, today, "ismap_liu")
    if i == "EXT-SEL-05":
        missing = [n for n, v in (("準拠法", f.governing_law), ("裁判管轄", f.jurisdiction)) if not v.strip()]
        if f.data_location == "unknown":
            missing.insert(0, "データの保存場所")
        if missing:
            return "attention", "台帳に未入力：" + "、".join(missing)
        note = "データの保存場所が国外です。外国法が適用されるリスクを評価してください。"
        return "ok", note if f.data_location == "overseas" else ""
    if i in ("EXT-PRC-02",):
        return (
            ("ok", "契約が台帳に紐付いています。")
            if f.has_contract
            else ("manual", "利用規約（約款）による利用の場合は、約款の内容を確認します。")
        )
    if i in ("EXT-APR-03", "EXT-LOW-03", "EXT-REG-04"):
        if f.approved and f.has_administrator:
            return "ok", "承認済みで、外部サービス管理者が指名されています。"
        return "open", "承認時に外部サービス管理者を指名します。"
    if i in ("EXT-APR-01", "EXT-APR-02"):
        return ("ok", "") if f.approved else ("open", "利用申請の承認がまだありません。")
    if i == "EXT-BLD-01":
        if f.build_confirmed_on:
            return "ok", f"{display_date(f.build_confirmed_on)}に確認"
        return "open", "承認後、利用開始前に外部サービス管理者が確認して記録します。"
    if i in ("EXT-OPS-01", "EXT-LOW-04"):
        if f.next_review_on and f.next_review_on < today:
            return "attention", f"定期確認の期限（{display_date(f.next_review_on)}）を過ぎています。"
        if f.last_review_on:
            nxt = f"、次回 {display_date(f.next_review_on)}" if f.next_review_on else ""
            return "ok", f"前回 {display_date(f.last_review_on)}{nxt}"
        if f.next_review_on:
            return "open", f"初回の定期確認の期限は{display_date(f.next_review_on)}です。"
        return "open", "承認後、定められた周期で確認します。"
    if i == "EXT-END-01":
        if f.exit_confirmed_on:
            return "ok", f"{display_date(f.exit_confirmed_on)}に確認"
        return "open", "利用終了の前に確認して記録します。"
    if i == "EXT-LOW-02" and not f.terms_version:
        return "attention", "確認した利用規約の版・日付が台帳に入力されていません。"
    return "manual", ""


def evaluate_checklist(f: ServiceFacts, today: dt.date) -> list[CheckState]:
    """The regime's checklist with each item's state according to the registry."""
    result = []
    for item in checklist_for(f.regime):
        state, note = _state(item, f, today)
        result.append(CheckState(item.id, item.label, item.phase, PHASE_LABELS[item.phase], item.text, state, note))
    return result
