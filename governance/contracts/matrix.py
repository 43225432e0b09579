"""Which fact brings which clause: the clause library as tables for contract officers (pure: no database, no web).

``clause_rows`` gives one row per clause (its condition in Japanese, requirements, inner conditions and check items);
``fact_rows`` gives, per fact and per condition flag, the clauses whose condition reads it. ``render_text``,
``render_markdown`` and ``build_workbook`` lay these out for ``governance templates matrix``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from governance.contracts.conditions import FACT_LABELS, FACTS, VALUE_LABELS, Condition
from governance.contracts.library import WHEN, Clause, ClauseLibrary
from governance.engagements.facts import FLAG_FACTS, FLAG_LABELS
from governance.requirements import REQUIREMENTS

ALWAYS_TEXT = "常に"
NONE_TEXT = "—"

FACT_VALUES: dict[str, str] = {
    "scheme": "R6（令和6年10月版）、R5（令和5年3月版まで）",
    "integrity": "1、2",
    "availability": "1、2",
    "personal_info": "あり、なし",
    "specific_personal_info": "あり、なし",
    "remote_access": "あり、なし",
    "off_premises": "あり、なし",
    "subcontracting": "あり、なし",
    "subcontractors": "再委託先（予定）の名称",
    "flags": "下の条件フラグ（事実から決まる区分）",
}
"""Values of the facts that VALUE_LABELS does not name, for the fact view."""

CLAUSE_HEADERS = (
    "章", "順", "条項ID", "見出し", "この条項が入る条件", "根拠の要件", "条項の一部に付いた条件", "確認事項",
    "ファイル",
)  # fmt: skip
FACT_HEADERS = (
    "種類", "名前", "名称", "成立する場合・取り得る値", "条項全体の条件として読む条項",
    "条項の一部の条件だけで読む条項",
)  # fmt: skip


@dataclass(frozen=True)
class CheckRow:
    """A check item of a clause, as shown in the matrix."""

    id: str
    what: str
    when: str
    condition: str  # "" when the check comes with the clause whenever the clause is in the contract

    def text(self) -> str:
        """One line: id, what, when and (if any) its own condition."""
        own = f"［条件：{self.condition}］" if self.condition else ""
        return f"{self.id} {self.what}（{self.when}）{own}"


@dataclass(frozen=True)
class ClauseRow:
    """One clause of the library with everything that decides whether (and how) it enters a contract."""

    section_id: str
    section: str
    position: int
    clause_id: str
    title: str
    condition: str
    requirements: tuple[str, ...]
    inner_conditions: tuple[str, ...]
    checks: tuple[CheckRow, ...]
    source: str


@dataclass(frozen=True)
class ClauseRef:
    """A clause named in the fact view, with where inside it the fact is read (empty for the clause's condition)."""

    clause_id: str
    title: str
    where: tuple[str, ...] = ()

    def text(self) -> str:
        """The clause id and title, and the parts that read the fact."""
        inside = f"：{'、'.join(self.where)}" if self.where else ""
        return f"{self.clause_id}（{self.title}）{inside}"


@dataclass(frozen=True)
class FactRow:
    """A fact or condition flag and the clauses that read it."""

    kind: str  # "fact" or "flag"
    name: str  # work_locations, SAAS, …
    label: str
    meaning: str
    clauses: tuple[ClauseRef, ...]
    partly: tuple[ClauseRef, ...]

    @property
    def kind_label(self) -> str:
        """事実 or 条件フラグ."""
        return "事実" if self.kind == "fact" else "条件フラグ"


def ordered_clauses(library: ClauseLibrary) -> list[Clause]:
    """The clauses in document order: by section, then order, then id.

    Args:
        library: The loaded clause library.

    Returns:
        The clauses in the order they appear in a contract.
    """
    return sorted(library.clauses, key=lambda c: (library.section_index(c.section), c.order, c.id))


def requirement_text(requirement_id: str) -> str:
    """A requirement id with its label ("OUT-CON-07 守秘義務").

    Args:
        requirement_id: An id of the requirement catalog.

    Returns:
        The id followed by its label, or the id alone when the catalog has no label.
    """
    label = REQUIREMENTS.get(requirement_id, "")
    return f"{requirement_id} {label}" if label else requirement_id


def _describe(condition: Condition) -> str:
    return ALWAYS_TEXT if condition.kind == "always" else condition.describe()


def clause_rows(library: ClauseLibrary) -> list[ClauseRow]:
    """One row per clause, in document order, with its conditions in Japanese.

    Args:
        library: The loaded clause library.

    Returns:
        The rows; ``position`` is the clause's place within its section (1-based).
    """
    titles = {s.id: s.title for s in library.sections}
    positions: dict[str, int] = {}
    rows = []
    for clause in ordered_clauses(library):
        positions[clause.section] = positions.get(clause.section, 0) + 1
        checks = tuple(
            CheckRow(
                id=check.id,
                what=check.what,
                when=WHEN.get(check.when, check.when),
                condition="" if check.condition.kind == "always" else check.condition.describe(),
            )
            for check in clause.checks
        )
        rows.append(
            ClauseRow(
                section_id=clause.section,
                section=titles.get(clause.section, clause.section),
                position=positions[clause.section],
                clause_id=clause.id,
                title=clause.title,
                condition=_describe(clause.condition),
                requirements=tuple(requirement_text(r) for r in clause.requirements),
                inner_conditions=tuple(f"{where}：{cond.describe()}" for where, cond in clause.conditions()),
                checks=checks,
                source=clause.source,
            )
        )
    return rows


def reads(condition: Condition) -> frozenset[str]:
    """The facts and flags a condition reads ("flag:MN" for a flag), counting ``{fact: flags, contains: MN}`` too.

    Args:
        condition: A validated condition.

    Returns:
        Fact names and "flag:" names.
    """
    names = set(condition.names())
    stack = [condition]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.kind == "fact" and node.name == "flags":
            values = node.value if isinstance(node.value, (list, tuple)) else (node.value,)
            names.update(f"flag:{v}" for v in values)
    return frozenset(names)


def fact_rows(library: ClauseLibrary) -> list[FactRow]:
    """For every fact and every condition flag, the clauses whose conditions read it.

    Facts come in the order of FACT_LABELS, flags in the order of FLAG_LABELS; every one is listed, also when no
    clause reads it. ``clauses`` holds the clauses whose own condition reads the name; ``partly`` those where only a
    part, item or check condition reads it.

    Args:
        library: The loaded clause library.

    Returns:
        The rows, facts first, then flags.
    """
    facts = [f for f in FACT_LABELS if f in FACTS] + sorted(FACTS - set(FACT_LABELS))
    keys = [("fact", f) for f in facts] + [("flag", f) for f in FLAG_LABELS]
    whole: dict[str, list[ClauseRef]] = {}
    partly: dict[str, list[ClauseRef]] = {}
    for clause in ordered_clauses(library):
        own = reads(clause.condition)
        for name in own:
            whole.setdefault(name, []).append(ClauseRef(clause.id, clause.title))
        inner: dict[str, list[str]] = {}
        for where, cond in clause.conditions():
            for name in reads(cond) - own:
                inner.setdefault(name, []).append(where)
        for name, wheres in inner.items():
            partly.setdefault(name, []).append(ClauseRef(clause.id, clause.title, tuple(wheres)))
    rows = []
    for kind, name in keys:
        key = name if kind == "fact" else f"flag:{name}"
        if kind == "fact":
            label = FACT_LABELS.get(name, name)
            meaning = FACT_VALUES.get(name) or "、".join(str(v) for v in VALUE_LABELS.get(name, {}).values())
        else:
            label = FLAG_LABELS[name]
            sources = "・".join(FACT_LABELS.get(f, f) for f in sorted(FLAG_FACTS.get(name, ())))
            meaning = f"{label}（もとになる事実：{sources}）" if sources else label
        rows.append(FactRow(kind, name, label, meaning, tuple(whole.get(key, ())), tuple(partly.get(key, ()))))
    return rows


# -- layouts ------------------------------------------------------------------------------------------------------


def _lines(values: tuple[str, ...] | list[str]) -> str:
    return "\n".join(values) if values else NONE_TEXT


def render_text(library: ClauseLibrary) -> str:
    """The clause table as plain text, one block per clause (for the terminal).

    Args:
        library: The loaded clause library.

    Returns:
        The text, ending with a newline.
    """
    out = [f"条項ライブラリ 第{library.version}版（{len(library.clauses)}条項）", ""]
    for row in clause_rows(library):
        out.append(f"■ {row.section}（{row.position}番目）{row.title}［{row.clause_id}］")
        out.append(f"  入る条件　　：{row.condition}")
        out.append(f"  根拠の要件　：{'、'.join(row.requirements)}")
        for n, text in enumerate(row.inner_conditions):
            out.append(f"  {'一部の条件　' if n == 0 else '　　　　　　'}：{text}")
        for n, check in enumerate(row.checks):
            out.append(f"  {'確認事項　　' if n == 0 else '　　　　　　'}：{check.text()}")
        out.append(f"  ファイル　　：{row.source}")
        out.append("")
    return "\n".join(out)


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def _md_list(values: tuple[str, ...] | list[str]) -> str:
    return "<br>".join(_cell(v) for v in values) if values else NONE_TEXT


def render_markdown(library: ClauseLibrary) -> str:
    """A Markdown page in Japanese for contract officers: one table per section, then the fact view.

    Args:
        library: The loaded clause library.

    Returns:
        The page, ending with a newline; the same library always gives the same text.
    """
    rows = clause_rows(library)
    out = [
        f"# 契約書条項の適用条件一覧（条項ライブラリ 第{library.version}版）",
        "",
        "> このページは `governance templates matrix --markdown docs/contract-clause-matrix.md` で条項ライブラリ"
        "（`contract_templates/`）から自動生成しています。手で編集しないでください。"
        "条項を変更したときは、同じコマンドで作り直してください。",
        "",
        "## 読み方",
        "",
        "- 委託業務の事実（個人情報・マイナンバー・作業場所・再委託など）に応じて、"
        "契約書に入る条項が自動で決まります。",
        "- 「この条項が入る条件」が「常に」の条項は、すべての契約書に入ります。"
        "それ以外の条項は、条件を満たす委託業務の契約書にだけ入ります。",
        "- 「条項の一部に付いた条件」は、条項は入るものの、その段・号・確認事項だけが条件付きであることを示します"
        "（段は条項ファイルの本文の区切りで、1つの段に複数の項を含むことがあります。号の（1）（2）は段の中の号の番号です。"
        "例：「第2段：個人情報を取り扱う」は、個人情報を取り扱う場合にだけ第2段が入ることを示します）。",
        "- 「順」はライブラリ内での並び順です。実際の契約書の条番号は、入る条項だけで振り直されます。",
        "- 「根拠の要件」は要件カタログの要件ID（OUT-CON-xx、TK-xx、LAW-xx など）です。",
        "- 最後の「事実と条項」の表で、ある事実や条件フラグによってどの条項が入るかを逆に引けます。",
        "",
    ]
    for section in library.sections:
        section_rows = [r for r in rows if r.section_id == section.id]
        out += [f"## {section.title}（{len(section_rows)}条項）", ""]
        out.append(f"| {' | '.join(CLAUSE_HEADERS[1:])} |")
        out.append("|---:|" + "---|" * (len(CLAUSE_HEADERS) - 2))
        for r in section_rows:
            cells = [
                str(r.position), f"`{r.clause_id}`", _cell(r.title), _cell(r.condition), _md_list(r.requirements),
                _md_list(r.inner_conditions), _md_list([c.text() for c in r.checks]), f"`{r.source}`",
            ]  # fmt: skip
            out.append(f"| {' | '.join(cells)} |")
        out.append("")
    out += [
        "## 事実と条項",
        "",
        "事実（委託業務について登録する項目）と条件フラグ（事実から決まる区分）ごとに、それを条件として読む条項です。"
        "「条項全体」は条項そのものが入るかどうかを、「一部だけ」は条項の段・号・確認事項が入るかどうかを左右します。",
        "",
        f"| {' | '.join(FACT_HEADERS)} |",
        "|" + "---|" * len(FACT_HEADERS),
    ]
    for f in fact_rows(library):
        cells = [
            f.kind_label, f"`{f.name}`", _cell(f.label), _cell(f.meaning) or NONE_TEXT,
            _md_list([c.text() for c in f.clauses]), _md_list([c.text() for c in f.partly]),
        ]  # fmt: skip
        out.append(f"| {' | '.join(cells)} |")
    out.append("")
    return "\n".join(out)


def _sheet(ws: Worksheet, headers: tuple[str, ...], rows: list[list[str | int]], widths: tuple[int, ...]) -> None:
    ws.append(list(headers))
    for row in rows:
        ws.append(row)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in ws.iter_rows():
        for cell in line:
            cell.alignment = wrap
    for cell in ws[1]:
        cell.font = bold
    for n, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(n)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(ws.max_row, 2)}"


def _clause_cells(r: ClauseRow) -> list[str | int]:
    checks = _lines([c.text() for c in r.checks])
    return [
        r.section, r.position, r.clause_id, r.title, r.condition, _lines(r.requirements), _lines(r.inner_conditions),
        checks, r.source,
    ]  # fmt: skip


def _fact_cells(f: FactRow) -> list[str | int]:
    return [
        f.kind_label, f.name, f.label, f.meaning or NONE_TEXT, _lines([c.text() for c in f.clauses]),
        _lines([c.text() for c in f.partly]),
    ]  # fmt: skip


def build_workbook(library: ClauseLibrary) -> Workbook:
    """The matrix as an Excel workbook: sheets 「条項と条件」 and 「事実と条項」.

    Args:
        library: The loaded clause library.

    Returns:
        The workbook (save it with ``.save(path)``).
    """
    wb = Workbook()
    clauses = wb.active
    clauses.title = "条項と条件"
    _sheet(
        clauses,
        CLAUSE_HEADERS,
        [_clause_cells(r) for r in clause_rows(library)],
        (22, 6, 26, 30, 40, 40, 50, 70, 36),
    )
    facts = wb.create_sheet("事実と条項")
    _sheet(
        facts,
        FACT_HEADERS,
        [_fact_cells(f) for f in fact_rows(library)],
        (12, 24, 30, 50, 60, 60),
    )
    return wb


def write_xlsx(library: ClauseLibrary, path: Path) -> None:
    """Write the matrix workbook to ``path``.

    Args:
        library: The loaded clause library.
        path: The .xlsx file to write (its folder must exist).
    """
    build_workbook(library).save(path)
