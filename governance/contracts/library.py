"""The clause library in contract_templates/: load, validate and hash it (no database, no web).

Every problem is reported with the file, the clause id and the reason, all at once, so that an officer editing the
YAML files sees everything to fix in one run of ``governance templates check``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from jinja2 import TemplateSyntaxError, UndefinedError, meta
from jinja2.sandbox import SandboxedEnvironment

from governance.contracts.clause_model import (
    SPEC_SECTION,
    WHEN,
    CheckItem,
    Clause,
    ClauseLibrary,
    Item,
    LibraryError,
    Paragraph,
    Problem,
    Section,
)
from governance.contracts.conditions import ALWAYS, Condition, ConditionError, parse_condition
from governance.contracts.forms import (
    Evidence,
    Form,
    FormField,
    FormTable,
    evidence_problems,
    form_problems,
)
from governance.contracts.templating import (
    FORM_PLACEHOLDERS,
    PLACEHOLDERS,
    compiled,
    form_sample_context,
    make_environment,
    sample_context,
    yen,
)
from governance.requirements import is_known

CLAUSE_KEYS = frozenset({"id", "section", "order", "title", "requirements", "condition", "body", "items", "checks"})
REQUIRED_CLAUSE_KEYS = frozenset({"id", "section", "order", "title", "requirements", "body"})
SPEC_KEYS = frozenset({"id", "order", "title", "requirements", "condition", "body", "items", "evidence"})
REQUIRED_SPEC_KEYS = frozenset({"id", "order", "title", "requirements", "body"})
CHECK_KEYS = frozenset({"id", "what", "when", "requirements", "condition"})
PART_KEYS = frozenset({"text", "items", "condition"})
__all__ = [  # also importable from here
    "PLACEHOLDERS", "SPEC_SECTION", "WHEN", "CheckItem", "Clause", "ClauseLibrary", "Item", "LibraryError", "Paragraph",
    "Problem", "Section", "compiled", "make_environment", "sample_context", "yen",
]  # fmt: skip

_ID = re.compile(r"^[A-Z][A-Z0-9-]{1,59}$")


def _texts(items: Iterable[Item]) -> Iterable[str]:
    for item in items:
        yield item.text
        yield from _texts(item.items)


def _check_template(
    env: SandboxedEnvironment,
    text: str,
    where: str,
    clause_id: str,
    problems: list[Problem],
    *,
    form: bool = False,
    bid: bool = False,
) -> None:
    try:
        parsed = env.parse(text)
    except TemplateSyntaxError as exc:
        problems.append(Problem(where, clause_id, f"差込みの構文エラー（{exc.lineno}行目）：{exc.message}"))
        return
    unknown = meta.find_undeclared_variables(parsed) - (FORM_PLACEHOLDERS if form else PLACEHOLDERS)
    if unknown:
        problems.append(Problem(where, clause_id, f"定義されていない差込み項目：{', '.join(sorted(unknown))}"))
        return
    try:
        env.from_string(text).render(form_sample_context(bid=bid) if form else sample_context())
    except UndefinedError as exc:
        if bid:
            problems.append(
                Problem(
                    where,
                    clause_id,
                    "入札時に配る様式（bid: true）は、受注者・確認（check）・日付（today）が決まる前に作成されるため、"
                    f"その差込み項目は使えません：{exc.message}",
                )
            )
        else:
            problems.append(Problem(where, clause_id, f"定義されていない差込み項目：{exc.message}"))
    except Exception as exc:
        problems.append(Problem(where, clause_id, f"差込みを展開できません：{exc}"))


def _condition(raw: Any, where: str, clause_id: str, problems: list[Problem], path: str) -> Condition:
    try:
        return parse_condition(raw, path)
    except ConditionError as exc:
        problems.append(Problem(where, clause_id, str(exc)))
        return ALWAYS


def _items(raw: Any, where: str, clause_id: str, problems: list[Problem], depth: int = 1) -> tuple[Item, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(Problem(where, clause_id, "items は一覧で書いてください"))
        return ()
    out = []
    for n, entry in enumerate(raw, start=1):
        if isinstance(entry, str):
            out.append(Item(entry))
        elif isinstance(entry, dict) and set(entry) <= PART_KEYS and isinstance(entry.get("text"), str):
            if depth >= 2 and entry.get("items"):
                problems.append(Problem(where, clause_id, "号の入れ子は2段までです"))
            condition = _condition(entry.get("condition"), where, clause_id, problems, f"items[{n}].condition")
            children = _items(entry.get("items"), where, clause_id, problems, depth + 1)
            out.append(Item(entry["text"], children, condition))
        else:
            problems.append(
                Problem(
                    where, clause_id, "items の各要素は文字列か、text（と items・condition）を持つ項目にしてください"
                )
            )
    return tuple(out)


def _parts(raw: Any, items: Any, where: str, clause_id: str, problems: list[Problem]) -> tuple[Paragraph, ...]:
    """The article's parts: a body string (items after its last line) or a list of parts with their own items."""
    if isinstance(raw, str):
        if not raw.strip():
            problems.append(Problem(where, clause_id, "body（本文）を書いてください"))
            return ()
        return (Paragraph(raw.strip(), _items(items, where, clause_id, problems)),)
    if not isinstance(raw, list) or not raw:
        problems.append(
            Problem(where, clause_id, "body（本文）は文字列か、段（text・items・condition）の一覧で書いてください")
        )
        return ()
    if items is not None:
        problems.append(Problem(where, clause_id, "body を段の一覧で書く場合、items は各段の中に書いてください"))
    out = []
    for n, entry in enumerate(raw, start=1):
        if isinstance(entry, str):
            entry = {"text": entry}
        if not isinstance(entry, dict) or set(entry) - PART_KEYS or not isinstance(entry.get("text"), str):
            problems.append(
                Problem(where, clause_id, f"body[{n}] は文字列か、text（と items・condition）を持つ段にしてください")
            )
            continue
        if not entry["text"].strip():
            problems.append(Problem(where, clause_id, f"body[{n}] の text が空です"))
            continue
        condition = _condition(entry.get("condition"), where, clause_id, problems, f"body[{n}].condition")
        out.append(Paragraph(entry["text"].strip(), _items(entry.get("items"), where, clause_id, problems), condition))
    if out and all(p.condition is not ALWAYS for p in out):
        problems.append(
            Problem(where, clause_id, "条件のない段を少なくとも1つ書いてください（本文が空になる場合があります）")
        )
    return tuple(out)


def _requirements(raw: Any, where: str, clause_id: str, problems: list[Problem], what: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(r, str) for r in raw):
        problems.append(Problem(where, clause_id, f"{what}の requirements に要件IDを1つ以上書いてください"))
        return ()
    unknown = [r for r in raw if not is_known(r)]
    if unknown:
        problems.append(Problem(where, clause_id, f"要件カタログにない要件ID：{', '.join(unknown)}"))
    return tuple(raw)


def _checks(raw: Any, where: str, clause_id: str, problems: list[Problem]) -> tuple[CheckItem, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(Problem(where, clause_id, "checks は一覧で書いてください"))
        return ()
    out = []
    for i, c in enumerate(raw):
        if not isinstance(c, dict) or set(c) - CHECK_KEYS or not {"id", "what", "when"} <= set(c):
            keys = "id・what・when（と requirements・condition）"
            problems.append(Problem(where, clause_id, f"checks[{i}] には {keys} だけを書いてください"))
            continue
        if c["when"] not in WHEN:
            problems.append(
                Problem(where, clause_id, f"checks[{i}].when は {', '.join(WHEN)} のいずれかにしてください")
            )
        if not _ID.match(str(c["id"])):
            problems.append(Problem(where, clause_id, f"checks[{i}].id は英大文字・数字・ハイフンで書いてください"))
        reqs = _requirements(c.get("requirements"), where, clause_id, problems, f"checks[{i}]")
        condition = _condition(c.get("condition"), where, clause_id, problems, f"checks[{i}].condition")
        out.append(CheckItem(str(c["id"]), str(c["what"]), str(c["when"]), reqs, condition))
    return tuple(out)


def load_library(root: Path) -> ClauseLibrary:
    """Read and validate the library under ``root`` (library.yaml and clauses/*.yaml).

    Raises:
        LibraryError: with every problem found (file, clause id, reason).
    """
    problems: list[Problem] = []
    files = sorted((root / "clauses").glob("*.yaml")) if (root / "clauses").is_dir() else []
    spec_files = sorted((root / "specification").glob("*.yaml")) if (root / "specification").is_dir() else []
    form_files = sorted((root / "forms").glob("*.yaml")) if (root / "forms").is_dir() else []
    digest = hashlib.sha256()
    meta_path = root / "library.yaml"
    raw_meta: Any = None
    base = root / "base.docx"
    if base.is_file():
        try:
            import io

            from docx import Document

            Document(io.BytesIO(base.read_bytes()))
        except Exception as exc:
            problems.append(Problem("base.docx", "", f"Word文書として読み込めません：{exc}"))
    for path in [meta_path, *files, *spec_files, *form_files, *([base] if base.is_file() else [])]:
        rel = path.relative_to(root).as_posix()
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(rel, "", f"読み込めません：{exc.strerror or exc}"))
            continue
        digest.update(rel.encode() + b"\0" + data + b"\0")
    try:
        raw_meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else None
    except yaml.YAMLError as exc:
        problems.append(Problem("library.yaml", "", f"YAMLの書式エラー：{exc}"))
    sections: tuple[Section, ...] = ()
    version = title = ""
    if not isinstance(raw_meta, dict):
        problems.append(Problem("library.yaml", "", "version・title・sections を書いてください"))
    else:
        unknown = set(raw_meta) - {"version", "title", "sections"}
        if unknown:
            problems.append(Problem("library.yaml", "", f"未知の項目：{', '.join(sorted(unknown))}"))
        version, title = str(raw_meta.get("version") or ""), str(raw_meta.get("title") or "")
        if not version:
            problems.append(Problem("library.yaml", "", "version（版）を書いてください"))
        raw_sections = raw_meta.get("sections")
        if isinstance(raw_sections, list) and all(
            isinstance(s, dict) and set(s) == {"id", "title"} for s in raw_sections
        ):
            sections = tuple(Section(str(s["id"]), str(s["title"])) for s in raw_sections)
        else:
            problems.append(Problem("library.yaml", "", "sections は id と title を持つ項目の一覧にしてください"))
    env = make_environment()
    clauses: list[Clause] = []
    seen: dict[str, str] = {}
    check_ids: dict[str, str] = {}
    section_ids = {s.id for s in sections}
    for path in files:
        clause = _load_clause(root, path, env, problems, seen, check_ids, section_ids)
        if clause is not None:
            clauses.append(clause)
    specification: list[Clause] = []
    for path in spec_files:
        clause = _load_clause(root, path, env, problems, seen, check_ids, section_ids, spec=True)
        if clause is not None:
            specification.append(clause)
    forms = [
        form for path in form_files if (form := _load_form(root, path, env, problems, seen, set(check_ids))) is not None
    ]
    if not files:
        problems.append(Problem("clauses/", "", "条項ファイル（clauses/*.yaml）がありません"))
    if problems:
        raise LibraryError(problems)
    return ClauseLibrary(
        version, title, sections, tuple(clauses), digest.hexdigest(),
        tuple(sorted(specification, key=lambda c: (c.order, c.id))), tuple(sorted(forms, key=lambda f: f.id)),
    )  # fmt: skip


_UNREADABLE = object()


def _yaml(root: Path, path: Path, problems: list[Problem]) -> tuple[str, Any]:
    """The file's YAML; ``_UNREADABLE`` (with the problem recorded) when it is not YAML."""
    rel = path.relative_to(root).as_posix()
    try:
        return rel, yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(Problem(rel, "", f"YAMLの書式エラー：{exc}"))
        return rel, _UNREADABLE


def _load_clause(
    root: Path,
    path: Path,
    env: SandboxedEnvironment,
    problems: list[Problem],
    seen: dict[str, str],
    check_ids: dict[str, str],
    section_ids: set[str],
    *,
    spec: bool = False,
) -> Clause | None:
    """One clause file (clauses/) or 仕様書 section (specification/), validated; None when unusable."""
    rel, raw = _yaml(root, path, problems)
    if not isinstance(raw, dict):
        if raw is not _UNREADABLE:
            problems.append(Problem(rel, "", "条項は項目（id, section, …）で書いてください"))
        return None
    clause_id = str(raw.get("id", ""))
    unknown = set(raw) - (SPEC_KEYS if spec else CLAUSE_KEYS)
    if unknown:
        problems.append(Problem(rel, clause_id, f"未知の項目：{', '.join(sorted(unknown))}"))
    missing = (REQUIRED_SPEC_KEYS if spec else REQUIRED_CLAUSE_KEYS) - set(raw)
    if missing:
        problems.append(Problem(rel, clause_id, f"必要な項目がありません：{', '.join(sorted(missing))}"))
        return None
    if not _ID.match(clause_id):
        problems.append(Problem(rel, clause_id, "id は英大文字・数字・ハイフンで書いてください"))
    if clause_id in seen:
        problems.append(Problem(rel, clause_id, f"id が {seen[clause_id]} と重複しています"))
    seen[clause_id] = rel
    section = SPEC_SECTION if spec else str(raw["section"])
    if not spec and section not in section_ids:
        problems.append(
            Problem(rel, clause_id, f"section は {'、'.join(sorted(section_ids))} のいずれかにしてください")
        )
    if not isinstance(raw["order"], int) or isinstance(raw["order"], bool):
        problems.append(Problem(rel, clause_id, "order は整数にしてください"))
    parts = _parts(raw["body"], raw.get("items"), rel, clause_id, problems)
    if not parts:
        return None
    requirements = _requirements(raw["requirements"], rel, clause_id, problems, "条項")
    condition = _condition(raw.get("condition"), rel, clause_id, problems, "condition")
    checks = _checks(raw.get("checks"), rel, clause_id, problems)
    for check in checks:
        if check.id in check_ids:
            problems.append(
                Problem(rel, clause_id, f"確認事項の id {check.id} が {check_ids[check.id]} と重複しています")
            )
        check_ids[check.id] = clause_id
    evidence = _evidence(raw.get("evidence"), rel, clause_id, problems)
    for text in (str(raw["title"]), *(p.text for p in parts), *(t for p in parts for t in _texts(p.items)),
                 *(e.what for e in evidence)):  # fmt: skip
        _check_template(env, text, rel, clause_id, problems)
    return Clause(
        id=clause_id, section=section, order=raw["order"] if isinstance(raw["order"], int) else 0,
        title=str(raw["title"]), requirements=requirements, condition=condition, parts=parts, checks=checks,
        source=rel, evidence=evidence,
    )  # fmt: skip


def _evidence(raw: Any, where: str, clause_id: str, problems: list[Problem]) -> tuple[Evidence, ...]:
    shape = evidence_problems(raw)
    if shape:
        problems.extend(Problem(where, clause_id, p) for p in shape)
        return ()
    out = []
    for n, e in enumerate(raw or [], start=1):
        criteria = tuple(e.get("criteria", []))
        wrong = [c for c in criteria if not c.startswith("OUT-SEL-") or not is_known(c)]
        if wrong:
            problems.append(
                Problem(
                    where,
                    clause_id,
                    f"evidence[{n}] の criteria は選定基準の要件ID（OUT-SEL-xx）にしてください：" + "、".join(wrong),
                )
            )
        condition = _condition(e.get("condition"), where, clause_id, problems, f"evidence[{n}].condition")
        out.append(Evidence(e["what"].strip(), criteria, condition))
    return tuple(out)


def _load_form(
    root: Path,
    path: Path,
    env: SandboxedEnvironment,
    problems: list[Problem],
    seen: dict[str, str],
    check_ids: set[str],
) -> Form | None:
    """One form file (forms/), validated against the clauses and check items it names; None when unusable."""
    rel, raw = _yaml(root, path, problems)
    if not isinstance(raw, dict):
        if raw is not _UNREADABLE:
            problems.append(Problem(rel, "", "様式は項目（id, number, title, …）で書いてください"))
        return None
    form_id = str(raw.get("id", ""))
    shape = form_problems(raw)
    if shape:
        problems.extend(Problem(rel, form_id, p) for p in shape)
        return None
    if not _ID.match(form_id):
        problems.append(Problem(rel, form_id, "id は英大文字・数字・ハイフンで書いてください"))
    if form_id in seen:
        problems.append(Problem(rel, form_id, f"id が {seen[form_id]} と重複しています"))
    seen[form_id] = rel
    clause_refs = tuple(raw.get("clauses", []))
    missing_clauses = [c for c in clause_refs if c not in seen or seen[c].startswith("forms/")]
    if missing_clauses:
        problems.append(Problem(rel, form_id, f"clauses にライブラリにない条項ID：{', '.join(missing_clauses)}"))
    check_refs = tuple(raw.get("checks", []))
    missing_checks = [c for c in check_refs if c not in check_ids]
    if missing_checks:
        problems.append(Problem(rel, form_id, f"checks にライブラリにない確認事項ID：{', '.join(missing_checks)}"))
    if not clause_refs and not check_refs:
        problems.append(Problem(rel, form_id, "この様式を求める条項（clauses）又は確認事項（checks）を書いてください"))
    requirements = _requirements(raw["requirements"], rel, form_id, problems, "様式")
    condition = _condition(raw.get("condition"), rel, form_id, problems, "condition")
    tables = tuple(
        FormTable(t["title"], tuple(t["columns"]), t["rows"],
                  _condition(t.get("condition"), rel, form_id, problems, f"tables[{n}].condition"))
        for n, t in enumerate(raw.get("tables", []), start=1)
    )  # fmt: skip
    form = Form(
        id=form_id, number=str(raw["number"]), title=str(raw["title"]), requirements=requirements,
        clauses=clause_refs, checks=check_refs, condition=condition, submitted_by=str(raw["submitted_by"]),
        bid=bool(raw.get("bid", False)), addressee=bool(raw.get("addressee", raw["submitted_by"] == "contractor")),
        intro=str(raw.get("intro", "")).strip(),
        fields=tuple(FormField(f["label"], str(f.get("value", ""))) for f in raw.get("fields", [])),
        tables=tables, checklist=bool(raw.get("checklist", False)), notes=tuple(raw.get("notes", [])),
        signature=bool(raw.get("signature", raw["submitted_by"] == "contractor")), source=rel,
    )  # fmt: skip
    for text in form.texts():
        _check_template(env, text, rel, form_id, problems, form=True)
        if form.bid:  # handed to bidders: no contractor, check or date yet
            _check_template(env, text, rel, form_id, problems, form=True, bid=True)
    return form
