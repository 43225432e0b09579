"""The columns an imported list may have, and how each cell's text becomes a form value (pure).

Headers follow the exported registers (``contractors/register.py``, ``engagements/register.py``) where they
overlap, so a register exported to Excel can be edited and brought back; the export's derived columns (登録番号,
重要度, 契約書の版 …) are accepted and not read. Codes may be written as their Japanese label (取引中) or their code
(active); dates as 令和8年4月1日, R8.4.1, 2026/4/1 or 2026-04-01, or as Excel dates.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from governance.calendar import parse_date_text
from governance.contractors.tables import CERTIFICATION_LABELS, CONTRACTOR_STATUS_LABELS
from governance.engagements.facts import CONFIDENTIALITY_LABELS, SEGMENT_LABELS, WORK_KIND_LABELS, WORK_LOCATION_LABELS
from governance.engagements.tables import ENGAGEMENT_STATUS_LABELS
from governance.engagements.term import RENEWAL_LABELS

TEXT, DATE, NUMBER, YES_NO, CODE, CODES, NAME = "text", "date", "number", "yes_no", "code", "codes", "name"
YES = frozenset({"はい", "○", "〇", "有", "あり", "する", "true", "yes", "1", "on", "該当"})
NO = frozenset({"いいえ", "×", "無", "なし", "しない", "false", "no", "0", "off", "非該当", ""})
LIST_SEPARATORS = re.compile(r"[、,，;；\n]")
DATE_FORMS = "「令和8年4月1日」「R8.4.1」「2026/4/1」のいずれかの形で、実在する日付を入力してください。"


@dataclass(frozen=True)
class ImportColumn:
    """One column of an import: its header, the form field it fills, how its text is read, and what it allows."""

    header: str
    field: str
    kind: str = TEXT
    required: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)
    note: str = ""

    def allowed(self) -> str:
        """The values the column takes, as the template's explanation sheet says them."""
        if self.kind in (CODE, CODES):
            many = "（複数は「、」で区切る）" if self.kind == CODES else ""
            return "、".join(self.labels.values()) + many
        return {
            DATE: "日付（令和8年4月1日、R8.4.1、2026/4/1）",
            NUMBER: "数字（カンマ可）",
            YES_NO: "はい／いいえ",
        }.get(self.kind, "文字")


def _lookup(labels: Mapping[str, str], text: str) -> str | None:
    """The code of a label or code as typed; a label may leave out its closing note (リモート, ISMS)."""
    key = unicodedata.normalize("NFKC", text).strip().casefold()
    for code, label in labels.items():
        full = unicodedata.normalize("NFKC", label).casefold()
        if key in (code.casefold(), full, re.sub(r"\([^()]*\)$", "", full)):
            return code
    return None


def read_cell(column: ImportColumn, text: str) -> tuple[str | list[str], str | None]:
    """The form value for a cell's text, or an error in Japanese (the column is named by the caller)."""
    text = text.strip()
    if column.kind == DATE and text:
        day = parse_date_text(text)
        return (day.isoformat(), None) if day else (text, DATE_FORMS)
    if column.kind == YES_NO:
        key = unicodedata.normalize("NFKC", text).strip().casefold()
        if key in YES:
            return "on", None
        if key in NO:
            return "", None
        return text, "「はい」又は「いいえ」を入力してください。"
    if column.kind == CODE and text:
        code = _lookup(column.labels, text)
        if code is None:
            return text, f"「{text[:30]}」は選べません。{column.allowed()}のいずれかを入力してください。"
        return code, None
    if column.kind == CODES:
        codes: list[str] = []
        for item in (i.strip() for i in LIST_SEPARATORS.split(text)):
            if not item:
                continue
            code = _lookup(column.labels, item)
            if code is None:
                return text, f"「{item[:30]}」は選べません。{column.allowed()}から選んでください。"
            codes.append(code)
        return list(dict.fromkeys(codes)), None
    return text, None


CERT_SLOTS = 3
"""Certifications per contractor row (認証1〜認証3); more are added on the contractor's page."""
CERT_FIELDS = (
    ("kind", "の種類", CODE),
    ("number", "の登録番号", TEXT),
    ("issuer", "の認証機関", TEXT),
    ("valid_from", "の有効期間（開始）", DATE),
    ("valid_until", "の有効期間（終了）", DATE),
)
JOINED_CERTS = "認証（種類・番号・有効期限）"
"""The export's one cell of certifications, read back when a register is imported again."""

CONTRACTOR_COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn(
        "法人番号", "corporate_number", note="13桁の数字。個人事業者は空欄。既に登録されている番号はエラーになります。"
    ),
    ImportColumn("名称", "name", required=True, note="200文字以内"),
    ImportColumn("フリガナ", "name_kana"),
    ImportColumn("所在地", "address"),
    ImportColumn("代表者", "representative"),
    ImportColumn("状態", "status", CODE, labels=CONTRACTOR_STATUS_LABELS, note="空欄は「候補」"),
    ImportColumn("備考", "notes"),
    *(
        ImportColumn(
            f"認証{n}{suffix}",
            f"cert{n}_{name}",
            kind,
            labels=CERTIFICATION_LABELS if kind == CODE else {},
            note="認証を登録する行では必須" if name == "kind" else "",
        )
        for n in range(1, CERT_SLOTS + 1)
        for name, suffix, kind in CERT_FIELDS
    ),
    ImportColumn(
        JOINED_CERTS,
        "certs_joined",
        note="出力した一覧の形式（例：ISMS（ISO/IEC 27001） IS 123456（有効期限 2027-03-31））",
    ),
)
CONTRACTOR_IGNORED = frozenset({"登録番号", "連絡先", "指名停止", "指名停止の終了日", "登録日", "更新日時"})

ENGAGEMENT_COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("業務名", "title", required=True, note="200文字以内"),
    ImportColumn("所管課", "department", NAME, required=True, note="登録されている所属の名称"),
    ImportColumn("監督職員", "supervisor", NAME, note="職員の氏名（同姓同名がある場合は画面で選んでください）"),
    ImportColumn("履行期間（開始）", "start_date", DATE, required=True),
    ImportColumn("履行期間（終了）", "end_date", DATE, required=True),
    ImportColumn("業務の種類", "work_kinds", CODES, required=True, labels=WORK_KIND_LABELS),
    ImportColumn("作業場所", "work_locations", CODES, required=True, labels=WORK_LOCATION_LABELS),
    ImportColumn("機密性", "confidentiality", CODE, labels=CONFIDENTIALITY_LABELS, note="空欄は「機密性1」"),
    ImportColumn("完全性", "integrity", NUMBER, note="1 又は 2（空欄は1）"),
    ImportColumn("可用性", "availability", NUMBER, note="1 又は 2（空欄は1）"),
    ImportColumn("個人情報", "personal_info", YES_NO),
    ImportColumn("特定個人情報", "specific_personal_info", YES_NO),
    ImportColumn("接続するネットワーク", "segments", CODES, labels=SEGMENT_LABELS),
    ImportColumn("リモート接続", "remote_access", YES_NO, note="受託者が庁外からリモートで接続する"),
    ImportColumn("庁外への持ち出し", "off_premises", YES_NO, note="情報を庁外に持ち出す（受託者施設での処理を含む）"),
    ImportColumn("再委託", "subcontracting", YES_NO),
    ImportColumn("再委託先", "subcontractors", note="複数は「、」で区切る"),
    ImportColumn("更新", "renewal", CODE, labels=RENEWAL_LABELS, note="空欄は「更新なし」"),
    ImportColumn("更新期間（月）", "renewal_months", NUMBER, note="自動更新の場合（空欄は12）"),
    ImportColumn("解約の申出期間（日）", "notice_days", NUMBER, note="空欄は0"),
    ImportColumn("契約金額（税込・円）", "contract_value", NUMBER),
    ImportColumn("状態", "status", CODE, labels=ENGAGEMENT_STATUS_LABELS, note="空欄は「計画中」"),
    ImportColumn("目的", "purpose"),
    ImportColumn("業務の範囲", "scope"),
)
ENGAGEMENT_IGNORED = frozenset(
    {"番号", "委託事業者", "重要度", "契約書の版", "契約の状態", "締結日", "条項ライブラリの版", "更新日時"}
)


@dataclass(frozen=True)
class ImportKind:
    """What a list imports: its name in URLs and the CLI, its Japanese title, its columns and ignored headers."""

    name: str
    title: str
    columns: tuple[ImportColumn, ...]
    ignored: frozenset[str]

    @property
    def by_header(self) -> dict[str, ImportColumn]:
        """The columns by their header."""
        return {c.header: c for c in self.columns}


KINDS: dict[str, ImportKind] = {
    "contractors": ImportKind("contractors", "委託事業者", CONTRACTOR_COLUMNS, CONTRACTOR_IGNORED),
    "engagements": ImportKind("engagements", "委託業務", ENGAGEMENT_COLUMNS, ENGAGEMENT_IGNORED),
}


def header_problems(kind: ImportKind, headers: tuple[str, ...]) -> list[str]:
    """Unknown headers and missing required columns, each as a Japanese sentence."""
    known = kind.by_header
    problems = []
    unknown = [h for h in headers if h not in known and h not in kind.ignored]
    if unknown:
        problems.append(
            f"見出し「{'」「'.join(unknown)}」は{kind.title}の取込みでは使えません。"
            "テンプレートの見出しに合わせてください（列の説明はテンプレートの「説明」シートにあります）。"
        )
    missing = [c.header for c in kind.columns if c.required and c.header not in headers]
    if missing:
        problems.append(f"必須の列「{'」「'.join(missing)}」がありません。")
    return problems
