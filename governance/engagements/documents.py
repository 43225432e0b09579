"""The printable selection record (委託事業者選定記録) as a Word document (pure: no database, no web)."""

from __future__ import annotations

import datetime as dt

from governance.calendar import TOKYO, wareki
from governance.documents.docx_base import heading, key_values, new_document, paragraph, table, to_bytes
from governance.engagements import schemas
from governance.engagements.criteria import ANSWER_LABELS
from governance.engagements.facts import (
    CONFIDENTIALITY_LABELS,
    FLAG_LABELS,
    SEGMENT_LABELS,
    WORK_KIND_LABELS,
    WORK_LOCATION_LABELS,
)


def _when(value: dt.datetime | None) -> str:
    return wareki(value.astimezone(TOKYO).date()) if value else "—"


def _yes(value: bool) -> str:
    return "あり" if value else "なし"


def render_selection_record(
    selection: schemas.Selection, engagement: schemas.Engagement, *, municipality: str = "", issued_on: dt.date
) -> bytes:
    """Render the selection record of one version, for the file (和暦 dates, A4, Japanese fonts)."""
    doc = new_document()
    doc.add_heading("委託事業者選定記録", level=0)
    paragraph(doc, f"{wareki(issued_on)}　出力", align="right")
    if municipality:
        paragraph(doc, municipality, align="right")

    heading(doc, "1　委託業務")
    key_values(doc, [
        ("業務名", engagement.title),
        ("所管課", engagement.department_name),
        ("監督職員", engagement.supervisor_name or "（未定）"),
        ("契約期間", f"{wareki(engagement.start_date)}から{wareki(engagement.end_date)}まで"
                     f"（{engagement.fiscal_years}）"),
        ("取り扱う情報", "、".join(
            [CONFIDENTIALITY_LABELS.get(engagement.confidentiality, engagement.confidentiality),
             f"完全性{engagement.integrity}", f"可用性{engagement.availability}",
             f"個人情報{_yes(engagement.personal_info)}", f"特定個人情報{_yes(engagement.specific_personal_info)}"])),
        ("接続するネットワーク", "、".join(SEGMENT_LABELS.get(s, s) for s in engagement.segments) or "なし"),
        ("業務の種類", "、".join(WORK_KIND_LABELS.get(k, k) for k in engagement.work_kinds)),
        ("作業場所", "、".join(WORK_LOCATION_LABELS.get(k, k) for k in engagement.work_locations)),
        ("再委託",
         "予定あり（" + "、".join(engagement.subcontractors) + "）" if engagement.subcontracting else "予定なし"),
        ("重要度", f"{engagement.tier_label}（{'、'.join(engagement.tier_reasons)}）"),
        ("該当する条件", "、".join(FLAG_LABELS.get(f, f) for f in engagement.flags)),
    ])  # fmt: skip

    heading(doc, "2　選定の方法")
    key_values(doc, [
        ("選定方法", selection.method_label),
        ("根拠・説明", selection.legal_ground or "—"),
        ("評価日", wareki(selection.evaluated_on)),
        ("版", f"第{selection.version}版" + (f"（第{selection.supersedes}号の訂正）" if selection.supersedes else "")),
    ])  # fmt: skip

    heading(doc, "3　選定基準と評価")
    paragraph(
        doc, "選定基準は、情報セキュリティポリシー及び要件カタログ（OUT-SEL）のうち、本業務の条件に該当するものです。"
    )
    names = [c.contractor_name + ("（指名停止中）" if c.suspended else "") for c in selection.candidates]
    rows = []
    for i, criterion in enumerate(selection.criteria):
        cells = [f"{criterion.id}\n{criterion.label}\n（{'、'.join(criterion.reasons)}）"]
        for candidate in selection.candidates:
            e = candidate.evaluations[i]
            answer = ANSWER_LABELS.get(e.answer or "", "未評価")
            cells.append(answer + (f"\n{e.note}" if e.note else ""))
        rows.append(cells)
    table(doc, ["選定基準", *names], rows)

    heading(doc, "4　選定結果")
    chosen = next(
        (c.contractor_name for c in selection.candidates if c.contractor_id == selection.selected_contractor_id), "—"
    )
    key_values(doc, [("選定した事業者", chosen), ("選定理由", selection.rationale or "—")])

    heading(doc, "5　決裁")
    approved = selection.status in ("approved", "superseded")
    rows = [
        ("作成者", selection.prepared_by),
        ("提出日", _when(selection.submitted_at)),
        ("承認者（情報セキュリティ担当者）", selection.reviewed_by if approved and selection.reviewed_by else "—"),
        ("承認日", _when(selection.reviewed_at) if approved else "—"),
        ("状態", selection.status_label),
    ]
    if selection.review_comment:
        label = "承認時のコメント" if approved else f"差戻し（{selection.reviewed_by or '—'}）"
        rows.append((label, selection.review_comment))
    key_values(doc, rows)
    return to_bytes(doc)
