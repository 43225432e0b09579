"""Contractor selection criteria (OUT-SEL-01…13) chosen by the engagement's facts (pure).

Each criterion names the condition flags under which it applies (any of them) and, where a certificate can show
compliance, the certification kinds that pre-fill the evaluation from the contractor registry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from governance.calendar import display_date
from governance.contractors.certificates import CERT_STATUS_LABELS, CertificateFact, certification_status
from governance.engagements.facts import EngagementFacts, Flag

__all__ = [
    "CATALOG",
    "CERT_STATUS_LABELS",
    "AppliedCriterion",
    "CertificateFact",
    "Criterion",
    "Prefill",
    "certification_status",
    "criteria_for",
    "prefill",
]


SELECTION_METHODS: dict[str, str] = {
    "general_competitive": "一般競争入札",
    "designated_competitive": "指名競争入札",
    "negotiated": "随意契約",
    "open_proposal": "公募型プロポーザル",
    "designated_proposal": "指名型プロポーザル",
    "other": "その他",
}
"""How a contractor is selected (選定方法), as the selection record names it."""


@dataclass(frozen=True)
class Criterion:
    """One selection criterion from the requirement catalog."""

    id: str
    label: str
    description: str
    flags: frozenset[str]
    certification_kinds: tuple[str, ...] = ()


def _c(id_: str, label: str, description: str, *flags: str, certs: tuple[str, ...] = ()) -> Criterion:
    return Criterion(id_, label, description, frozenset(flags), certs)


CATALOG: tuple[Criterion, ...] = (
    _c(
        "OUT-SEL-01",
        "委託内容に応じた対策の確保",
        "委託する業務の内容に応じた情報セキュリティ対策を確保できること",
        Flag.ALL,
    ),
    _c(
        "OUT-SEL-02",
        "ISMS認証の取得状況",
        "ISO/IEC 27001（JIS Q 27001）の認証を取得していること",
        Flag.ALL,
        certs=("isms",),
    ),
    _c(
        "OUT-SEL-03",
        "情報セキュリティ監査の実施状況",
        "内部監査又は外部監査により情報セキュリティ監査を受けていること",
        Flag.ALL,
    ),
    _c(
        "OUT-SEL-04",
        "プライバシーマーク等の取得状況",
        "プライバシーマーク等の個人情報保護に関する認証を取得していること",
        Flag.PI,
        certs=("privacy_mark", "iso27701"),
    ),
    _c("OUT-SEL-05", "個人情報保護に関する内部規程", "個人情報の取扱いに関する内部規程を整備していること", Flag.PI),
    _c(
        "OUT-SEL-06",
        "従業員への教育・研修",
        "従業員に対し個人情報保護・情報セキュリティの教育研修を行っていること",
        Flag.PI,
    ),
    _c("OUT-SEL-07", "安全管理措置の実施", "個人情報の安全管理のための技術的・物理的な対策を講じていること", Flag.PI),
    _c(
        "OUT-SEL-08",
        "特記事項の遵守",
        "個人情報取扱特記事項を遵守できること（入札・見積前に特記事項を示していること）",
        Flag.PI,
    ),
    _c(
        "OUT-SEL-09",
        "提供する個人情報の最小化",
        "委託先に提供する個人情報が目的に必要な範囲に限られ、利用目的と範囲が明示されていること",
        Flag.PI,
    ),
    _c(
        "OUT-SEL-10",
        "ISMAP / ISMAP-LIU への登録",
        "利用するクラウドサービスがISMAP（低影響の場合はISMAP-LIU）に登録されていること",
        Flag.CLOUD,
        certs=("ismap", "ismap_liu"),
    ),
    _c(
        "OUT-SEL-11",
        "指名停止・過去の事故",
        "指名停止の措置を受けていないこと、過去に重大な情報セキュリティ事故がないこと",
        Flag.ALL,
    ),
    _c(
        "OUT-SEL-12",
        "管理体制の書面確認",
        "情報セキュリティに関する規程・体制図を書面で確認したこと（必要に応じ現地確認）",
        Flag.ALL,
    ),
    _c(
        "OUT-SEL-13",
        "番号法に基づく同等の安全管理措置",
        "特定個人情報について、本市が果たすべき安全管理措置と同等の措置を講じることができること（番号法第11条）",
        Flag.MN,
    ),
)

CATALOG_BY_ID: dict[str, Criterion] = {c.id: c for c in CATALOG}


@dataclass(frozen=True)
class AppliedCriterion:
    """A criterion that applies to an engagement, with the reasons it applies."""

    criterion: Criterion
    reasons: tuple[str, ...]


def criteria_for(facts: EngagementFacts, catalog: Iterable[Criterion] = CATALOG) -> list[AppliedCriterion]:
    """Return the criteria that apply to an engagement, in catalog order, each with its reasons."""
    flags = facts.flags
    reasons = facts.flag_reasons()
    out: list[AppliedCriterion] = []
    for criterion in catalog:
        hit = sorted(criterion.flags & flags)
        if hit:
            out.append(AppliedCriterion(criterion, tuple(reasons[f] for f in hit)))
    return out


class Answer:
    """Evaluation answers."""

    conforms = "conforms"
    fails = "fails"
    not_applicable = "not_applicable"


ANSWER_LABELS: dict[str, str] = {Answer.conforms: "適合", Answer.fails: "不適合", Answer.not_applicable: "該当なし"}


@dataclass(frozen=True)
class Prefill:
    """A suggested answer for a certification criterion, with the note that explains it."""

    answer: str | None
    note: str


def prefill(criterion: Criterion, certificates: Iterable[CertificateFact], on: dt.date) -> Prefill | None:
    """Suggest an answer from the contractor's certificates; None for criteria no certificate can show.

    A certificate valid on the evaluation date suggests 適合; only expired or future ones suggest 不適合 and say so;
    none at all leaves the answer open for the evaluator.
    """
    if not criterion.certification_kinds:
        return None
    relevant = [c for c in certificates if c.kind in criterion.certification_kinds]
    if not relevant:
        return Prefill(None, "登録された認証はありません。")
    status = {id(c): certification_status(c.valid_from, c.valid_until, on, warn_days=0) for c in relevant}
    valid = [c for c in relevant if status[id(c)] in {"valid", "expiring"}]
    if valid:
        c = max(valid, key=lambda x: x.valid_until or dt.date.max)
        until = f"（有効期限 {display_date(c.valid_until)}）" if c.valid_until else ""
        return Prefill(Answer.conforms, f"{c.label} {c.number}{until}".strip())
    c = max(relevant, key=lambda x: x.valid_until or dt.date.max)  # open-ended counts as latest, as above
    why = "期限切れ" if status[id(c)] == "expired" else "有効期間前"
    return Prefill(Answer.fails, f"{c.label} {c.number}（{why}）".strip())
