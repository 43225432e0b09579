"""The evaluation behind a subcontractor approval (再委託の承認・番号法第10条の許諾), item by item (pure).

A decision on a subcontractor must show what was checked, not only a note: whether the work and information passed
on are the minimum, whether the subcontractor carries the same duties, what its safety measures are, and, for
マイナンバー work, whether its measures equal those the municipality itself must take (番号法第10条第1項の許諾, 第11条
の監督). Approval needs every item answered and none 不適合; a refusal needs a 不適合 item or a note giving the reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ANSWERS: dict[str, str] = {"conforms": "適合", "fails": "不適合", "not_applicable": "該当なし"}


@dataclass(frozen=True)
class Criterion:
    """One item of the evaluation."""

    id: str
    text: str
    requirements: tuple[str, ...]
    mynumber_only: bool = False
    may_be_not_applicable: bool = False


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "scope", "再委託する業務の範囲及び再委託先が取り扱う情報資産が、必要最小限に限られている",
        ("OUT-CHK-08", "TK-11"),
    ),
    Criterion(
        "duties", "再委託先に特記事項と同等の義務が課され、乙と再委託先との契約に明記される", ("TK-11", "OUT-CON-08")
    ),
    Criterion(
        "measures", "再委託先の安全管理措置（組織的・人的・物理的・技術的措置）の内容が書面で確認できる",
        ("OUT-CHK-08",),
    ),
    Criterion(
        "certification", "再委託先の第三者認証（ISMS認証、プライバシーマーク等）又はこれに代わる確認の結果",
        ("OUT-SEL-02", "OUT-SEL-04"), may_be_not_applicable=True,
    ),
    Criterion("location", "再委託先の作業場所及び情報資産の保管場所が特定されている", ("OUT-CON-02", "TK-05")),
    Criterion("supervision", "乙による再委託先の監督の方法（報告の受領・立入り等）が定められている", ("OUT-CHK-08",)),
    Criterion(
        "mynumber_equivalent",
        "再委託先において、番号法に基づき甲自らが果たすべき安全管理措置と同等の措置が講じられる（番号法第10条第1項・第11条）",
        ("LAW-02", "LAW-03", "OUT-SEL-13"), mynumber_only=True,
    ),
    Criterion(
        "onward", "再委託先が更に委託する予定の有無と、予定がある場合の許諾の手続（二以上の段階にわたる委託）",
        ("LAW-02",), mynumber_only=True, may_be_not_applicable=True,
    ),
)  # fmt: skip


def criteria_for(mynumber: bool) -> tuple[Criterion, ...]:
    """The items that apply: the マイナンバー items only for 番号法第10条の許諾."""
    return tuple(c for c in CRITERIA if mynumber or not c.mynumber_only)


@dataclass(frozen=True)
class Evaluation:
    """Answers and notes by criterion id."""

    answers: Mapping[str, str]
    notes: Mapping[str, str]

    def to_json(self) -> str:
        """The stored form (answered items only)."""
        return json.dumps(
            {k: {"answer": v, "note": self.notes.get(k, "")} for k, v in sorted(self.answers.items()) if v},
            ensure_ascii=False,
            sort_keys=True,
        )

    @staticmethod
    def from_json(text: str) -> Evaluation:
        """Read the stored form back (an empty text is an empty evaluation)."""
        data: dict[str, Any] = json.loads(text) if text else {}
        answers = {k: v.get("answer", "") for k, v in data.items()}
        return Evaluation(answers, {k: v.get("note", "") for k, v in data.items()})


def problems(evaluation: Evaluation, *, mynumber: bool, approve: bool, note: str) -> dict[str, str]:
    """What stops the decision, by form field (``answer-<id>``, ``note-<id>``, ``note``); empty when it may be made."""
    errors: dict[str, str] = {}
    applicable = criteria_for(mynumber)
    known = {c.id for c in applicable}
    for key, value in evaluation.answers.items():
        if key not in known or (value and value not in ANSWERS):
            errors[f"answer-{key}"] = "評価の項目と結果は、選択肢から選んでください。"
    for c in applicable:
        answer = evaluation.answers.get(c.id, "")
        if answer == "not_applicable" and not c.may_be_not_applicable:
            errors[f"answer-{c.id}"] = "この項目は「該当なし」にできません。適合又は不適合を選んでください。"
        if answer == "fails" and not evaluation.notes.get(c.id, "").strip():
            errors[f"note-{c.id}"] = "不適合とした理由を入力してください。"
    if approve:
        for c in applicable:
            answer = evaluation.answers.get(c.id, "")
            if not answer:
                errors.setdefault(f"answer-{c.id}", "承認するには、すべての項目を評価してください。")
            elif answer == "fails":
                errors.setdefault(f"answer-{c.id}", "不適合の項目があるため承認できません。")
    elif "fails" not in evaluation.answers.values() and not note.strip():
        errors["note"] = "承認しない場合は、不適合の項目を示すか、所見に理由を入力してください。"
    return errors
