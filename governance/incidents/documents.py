"""The leak report (速報・確報) and the 本人への通知 letter draft as Word documents (pure: no database, no web).

The report's items are those the 委員会's rules ask of a report (規則第44条第1項各号 for 行政機関等; the stored text
checked is its 事業者 counterpart 規則第8条第1項, 第1号〜第9号): 概要, 漏えい等が発生し又は発生したおそれがある保有個人
情報の項目, 本人の数, 原因, 二次被害又はそのおそれの有無及びその内容, 本人への対応の実施状況, 公表の実施状況, 再発防止の
ための措置, その他参考となる事項. A 速報 holds what is known when it is made (第1項 "報告をしようとする時点において
把握しているものに限る"): what is not yet known reads 「調査中」. The 確報 holds every item; an item still unknown reads
「（記入してください）」 for the officer to complete before transcribing it to the 委員会's form.

The notice to the people concerned holds the items the 規則 names for it (規則第45条; checked against its 事業者
counterpart 規則第10条: 第8条第1項第1号・第2号・第4号・第5号・第9号 — 概要, 項目, 原因, 二次被害, その他参考となる事項)
and the municipality's 団体名, 代表者 and 問い合わせ先 from 団体の設定.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from governance.calendar import TOKYO, wareki
from governance.documents.docx_base import heading, key_values, new_document, paragraph, table, to_bytes
from governance.incidents.rules import Assessment
from governance.municipality.profile import Municipality

UNKNOWN_PRELIMINARY = "調査中"
UNKNOWN_FINAL = "（記入してください）"

KIND_LABELS = {
    "data_breach": "漏えい・滅失・毀損（そのおそれを含む）",
    "security_event": "情報セキュリティ事案（漏えい等を伴わないもの）",
    "sns_takeover": "SNSアカウントの乗っ取り",
    "sns_impersonation": "SNSのなりすまし",
}
REPORT_TITLES = {"preliminary": "漏えい等報告（速報）", "final": "漏えい等報告（確報）"}


def _when(value: Any) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        local = value.astimezone(TOKYO)
        return f"{wareki(local.date())} {local:%H:%M}"
    return wareki(value)


def data_items(row: Mapping[str, Any]) -> str:
    """The kinds of information involved, as the report names them."""
    items = [
        label
        for key, label in (
            ("personal_info", "保有個人情報"),
            ("sensitive_info", "要配慮個人情報"),
            ("ordinance_sensitive_info", "条例要配慮個人情報"),
            ("specific_personal_info", "特定個人情報（個人番号を含む）"),
        )
        if row.get(key)
    ]
    return "、".join(items)


def people_text(row: Mapping[str, Any]) -> str:
    """The number of people: exact, a range, or empty while unknown."""
    low, high = row.get("people_min"), row.get("people_max")
    if low is None and high is None:
        return ""
    if high is None or high == low:
        return f"{low}人"
    return f"{low or 0}人〜{high}人（確定していません）"


def _step_note(steps: Mapping[str, Mapping[str, Any]], key: str) -> str:
    entry = steps.get(key)
    if not entry:
        return ""
    when = entry.get("done_on") or entry.get("done_at")
    status = "該当なし" if entry.get("status") == "not_applicable" else "実施済み"
    note = str(entry.get("note") or "").strip()
    return f"{status}（{_when(when)}）" + (f"：{note}" if note else "")


def report_items(
    row: Mapping[str, Any], steps: Mapping[str, Mapping[str, Any]], *, final: bool
) -> list[tuple[str, str]]:
    """The nine items of the report, filled from the incident (unknown items marked as the report's kind needs)."""
    unknown = UNKNOWN_FINAL if final else UNKNOWN_PRELIMINARY
    summary_lines = [
        str(row.get("title") or ""),
        str(row.get("summary") or "").strip(),
        f"種別：{KIND_LABELS.get(str(row.get('kind')), str(row.get('kind') or ''))}",
        f"発生日時：{_when(row.get('occurred_at')) or unknown}",
        f"発覚日時：{_when(row.get('discovered_at'))}",
    ]
    if row.get("department_name"):
        summary_lines.append(f"所管課：{row['department_name']}")
    if row.get("engagement_title"):
        summary_lines.append(f"委託業務：{row['engagement_title']}")
    if row.get("containment"):
        summary_lines.append(f"講じた措置：{row['containment']}")
    damage = (
        "不正に利用されることにより財産的被害が生じるおそれがあります。"
        if row.get("property_damage")
        else ("現時点で二次被害は確認されていません。" if final else unknown)
    )
    return [
        ("(1) 概要", "\n".join(line for line in summary_lines if line)),
        ("(2) 漏えい等が発生し、又は発生したおそれがある保有個人情報の項目", data_items(row) or unknown),
        ("(3) 漏えい等が発生し、又は発生したおそれがある保有個人情報に係る本人の数", people_text(row) or unknown),
        ("(4) 原因", _step_note(steps, "scope") or unknown),
        ("(5) 二次被害又はそのおそれの有無及びその内容", damage),
        ("(6) 本人への対応の実施状況", _step_note(steps, "notify_individuals") or ("未実施" if final else unknown)),
        ("(7) 公表の実施状況", _step_note(steps, "publication") or ("未実施" if final else unknown)),
        ("(8) 再発防止のための措置", _step_note(steps, "prevention") or unknown),
        ("(9) その他参考となる事項", "報告が必要と判断した理由は、下の「報告の根拠」のとおりです。"),
    ]


def render_report(
    which: str,
    row: Mapping[str, Any],
    assessment: Assessment,
    municipality: Municipality,
    *,
    issued_on: dt.date,
    steps: Mapping[str, Mapping[str, Any]] | None = None,
) -> bytes:
    """The 速報 (``which="preliminary"``) or 確報 (``"final"``) content, for the officer to transcribe or attach."""
    final = which == "final"
    doc = new_document()
    doc.add_heading(REPORT_TITLES[which], level=0)
    paragraph(doc, f"{wareki(issued_on)}　作成", align="right")
    paragraph(doc, f"報告者　{municipality.display_name}　{municipality.head}".rstrip(), align="right")
    paragraph(
        doc,
        "個人情報の保護に関する法律第68条第1項の規定により、保有個人情報の漏えい等について次のとおり報告します。"
        "（この文書は報告内容の下書きです。個人情報保護委員会の報告様式に転記し、又は添付してください。）",
    )
    heading(doc, "報告事項")
    key_values(doc, report_items(row, steps or {}, final=final))
    heading(doc, "報告の根拠")
    if assessment.reasons:
        table(doc, ["該当する事態", "根拠"], [[r.text, r.citation] for r in assessment.reasons], widths_mm=[95, 65])
    else:
        paragraph(doc, "現在の事実では、法令上の報告対象事態に該当していません。")
    heading(doc, "期限")
    rows = [[d.label, wareki(d.due) if d.due else "速やかに", d.note, d.citation] for d in assessment.deadlines]
    if rows:
        table(doc, ["報告・通知", "期限", "説明", "根拠"], rows, widths_mm=[32, 28, 65, 35])
    heading(doc, "連絡先")
    key_values(doc, _contact(municipality))
    return to_bytes(doc)


def _contact(municipality: Municipality) -> list[tuple[str, str]]:
    return [
        ("団体名", municipality.display_name),
        ("担当部署", municipality.contact_department or "—"),
        ("電話番号", municipality.contact_phone or "—"),
        ("メールアドレス", municipality.contact_email or "—"),
    ]


def render_notice(
    row: Mapping[str, Any],
    assessment: Assessment,
    municipality: Municipality,
    *,
    issued_on: dt.date,
    steps: Mapping[str, Mapping[str, Any]] | None = None,
) -> bytes:
    """The draft of the letter notifying the people concerned (法第68条第2項), from 団体の設定."""
    current = steps or {}
    doc = new_document()
    paragraph(doc, wareki(issued_on), align="right")
    paragraph(doc, "関係者各位")
    paragraph(doc, f"{municipality.display_name}\n{municipality.head}".rstrip(), align="right")
    doc.add_heading("個人情報の漏えい等についてのお知らせとおわび", level=0)
    paragraph(
        doc,
        f"このたび、{municipality.display_name}が保有する皆様の個人情報について、漏えい等が発生し、又は発生したおそれ"
        "がある事態が生じました。皆様に多大なご迷惑とご心配をおかけしますことを、深くおわび申し上げます。"
        "個人情報の保護に関する法律第68条第2項の規定により、次のとおりお知らせします。",
    )
    summary = "\n".join(
        line
        for line in (
            str(row.get("title") or "").strip(),
            str(row.get("summary") or "").strip(),
            f"発生日時：{_when(row.get('occurred_at')) or '調査中'}",
            f"判明日時：{_when(row.get('discovered_at'))}",
        )
        if line
    )
    damage = (
        "不正に利用されることにより財産的被害が生じるおそれがあります。身に覚えのない請求や連絡にご注意ください。"
        if row.get("property_damage")
        else "現時点で、二次被害は確認されていません。"
    )
    key_values(
        doc,
        [
            ("1 概要", summary),
            ("2 漏えい等が発生し、又は発生したおそれがある個人情報の項目", data_items(row) or "調査中"),
            ("3 原因", _step_note(current, "scope") or "調査中"),
            ("4 二次被害又はそのおそれの有無及びその内容", damage),
            (
                "5 その他参考となる事項",
                "\n".join(
                    line
                    for line in (
                        f"講じた措置：{row['containment']}" if row.get("containment") else "",
                        f"再発防止策：{_step_note(current, 'prevention')}" if current.get("prevention") else "",
                        "ご不明な点は、下記の問い合わせ先までご連絡ください。",
                    )
                    if line
                ),
            ),
        ],
    )
    heading(doc, "問い合わせ先")
    key_values(doc, [*_contact(municipality), ("住所", municipality.address or "—")])
    paragraph(doc, "（この文書は通知の下書きです。内容を確認し、決裁を経てから送付してください。）")
    return to_bytes(doc)
