"""The step catalogue of an incident: which steps exist per kind and which are required by the assessment (pure).

The reporting chain follows the organisation of the policy (基本方針 6(1) 組織体制, ``accounts.roles``):
情報セキュリティ管理者（課長級） → 統括情報セキュリティ責任者 → CISO／CSIRT. The statutory steps (委員会への速報・確報,
本人への通知) are one per deadline of the assessment (``rules.Deadline.key``), required when ``report_required``.
The contract measures (OUT-MSR-01…05) are optional steps of an incident that concerns an engagement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from governance.social.incidents import STEPS as SNS_STEPS


@dataclass(frozen=True)
class StepDef:
    """One step: its key, label, group, whether its 'done' entry needs an evidence file, who records it."""

    key: str
    label: str
    group: str  # response, report, statutory, contract
    evidence: bool = False
    officer: bool = False  # recorded by the security office (情報セキュリティ担当者・統括・CISO) only
    requirement_ids: tuple[str, ...] = ()


GROUP_LABELS = {"response": "初動対応", "report": "庁内の報告", "statutory": "法令に基づく報告・通知",
                "contract": "契約に基づく措置"}  # fmt: skip

RESPONSE = (
    StepDef("containment", "封じ込め（被害の拡大・二次被害の防止）", "response", requirement_ids=("OUT-MSR-02",)),
    StepDef("scope", "影響範囲の確認（対象となる情報・人数の確定）", "response", requirement_ids=("OUT-MSR-02",)),
)
REPORT = (
    StepDef("report_manager", "情報セキュリティ管理者（課長級）への報告", "report"),
    StepDef("report_chief", "統括情報セキュリティ責任者への報告", "report"),
    StepDef("report_ciso", "CISO・CSIRTへの報告", "report", requirement_ids=("SNS-11d",)),
)
STATUTORY_LABELS: dict[str, str] = {
    "preliminary": "個人情報保護委員会への速報",
    "final": "個人情報保護委員会への確報",
    "notify_individuals": "本人への通知（困難な場合は公表等の代替措置）",
    "mn_preliminary": "特定個人情報の漏えい等の速報（番号法）",
    "mn_final": "特定個人情報の漏えい等の確報（番号法）",
}
"""The statutory steps by deadline key; a deadline key not listed here takes the assessment's label."""
PREVENTION = StepDef("prevention", "再発防止策の決定", "response", evidence=True, requirement_ids=("OUT-MSR-01",))
CONTRACT = (
    StepDef("improvement_order", "改善指示", "contract", officer=False, requirement_ids=("OUT-MSR-01",)),
    StepDef("onsite_inspection", "立入検査", "contract", requirement_ids=("OUT-MSR-01",)),
    StepDef("termination", "契約解除", "contract", officer=True, requirement_ids=("OUT-MSR-04",)),
    StepDef("damages", "損害賠償の請求", "contract", officer=True, requirement_ids=("OUT-MSR-04",)),
    StepDef("suspension", "指名停止", "contract", officer=True, requirement_ids=("OUT-MSR-05",)),
    StepDef("publication", "公表", "contract", officer=True, requirement_ids=("OUT-MSR-03",)),
)
SNS_KIND = {"sns_takeover": "takeover", "sns_impersonation": "impersonation"}


def statutory_step(key: str, label: str = "") -> StepDef:
    """The statutory step of a deadline: recorded by the security office, with the submitted report as evidence."""
    return StepDef(key, STATUTORY_LABELS.get(key, label or key), "statutory", evidence=True, officer=True,
                   requirement_ids=("OUT-MSR-06",))  # fmt: skip


def catalogue(kind: str, assessment: Mapping[str, Any], *, engagement: bool) -> tuple[StepDef, ...]:
    """Every step the incident has, in order (the statutory ones only when the assessment lists their deadlines)."""
    sns = tuple(
        StepDef(s.key, s.label, "response", requirement_ids=s.requirement_ids)
        for s in SNS_STEPS.get(SNS_KIND.get(kind, ""), ())
        if s.key != "report_ciso"
    )
    statutory = tuple(statutory_step(d["key"], d.get("label", "")) for d in deadlines_of(assessment))
    return RESPONSE + sns + REPORT + statutory + (PREVENTION,) + (CONTRACT if engagement else ())


def deadlines_of(assessment: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The deadlines of a stored assessment (``Assessment.to_json``), when a report is required; else none."""
    if not assessment or not assessment.get("report_required"):
        return []
    return [dict(d) for d in assessment.get("deadlines", [])]


def required(kind: str, assessment: Mapping[str, Any], *, engagement: bool) -> tuple[StepDef, ...]:
    """The steps closing needs: every step but the optional contract measures."""
    return tuple(s for s in catalogue(kind, assessment, engagement=engagement) if s.group != "contract")


def find(kind: str, assessment: Mapping[str, Any], key: str, *, engagement: bool) -> StepDef | None:
    """The step with the key, or None."""
    return next((s for s in catalogue(kind, assessment, engagement=engagement) if s.key == key), None)


def latest(entries: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The entry that counts per step: the latest (entries never deleted; a later one supersedes)."""
    out: dict[str, dict[str, Any]] = {}
    for e in sorted(entries, key=lambda e: (e["done_at"], e["id"])):
        out[e["step"]] = dict(e)
    return out


def missing(steps: Iterable[StepDef], current: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Why closing is refused: each required step not done (or not applicable), or done without its evidence."""
    out = []
    for s in steps:
        entry = current.get(s.key)
        if entry is None:
            out.append(f"「{s.label}」が未了です")
        elif entry["status"] == "done" and s.evidence and not entry.get("evidence"):
            out.append(f"「{s.label}」の証跡ファイルがありません")
    return out


def decision_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """How the decision changed between two stored assessments (報告の要否, each deadline), in Japanese."""
    if not before:
        return []
    out = []
    yes = {True: "必要", False: "不要"}
    if bool(before.get("report_required")) != bool(after.get("report_required")):
        out.append(
            f"委員会への報告：{yes[bool(before.get('report_required'))]}→{yes[bool(after.get('report_required'))]}"
        )
    old = {d["key"]: d for d in before.get("deadlines", [])}
    new = {d["key"]: d for d in after.get("deadlines", [])}
    for key in list(dict.fromkeys([*old, *new])):
        a, b = old.get(key, {}).get("due"), new.get(key, {}).get("due")
        if a != b:
            label = (new.get(key) or old.get(key) or {}).get("label", key)
            out.append(f"{label}の期限：{a or 'なし'}→{b or 'なし'}")
    return out
