"""仕様書 sections (specification/*.yaml) in the clause library: loaded, hashed and validated with the clauses."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from governance.contracts.clauses import resolve
from governance.contracts.library import SPEC_SECTION, LibraryError, load_library
from governance.engagements.facts import EngagementFacts
from tests.unit.test_clause_library import clause, write

SPEC = """
id: {id}
order: {order}
title: 受注者の要件
requirements: [OUT-SEL-02]
body: 受注者は、次に掲げる要件を満たすこと。
{extra}
"""


def spec(root: Path, name: str, *, id_: str = "SPEC-REQ", order: int = 10, extra: str = "") -> None:
    (root / "specification").mkdir(parents=True, exist_ok=True)
    text = textwrap.dedent(SPEC).format(id=id_, order=order, extra=textwrap.dedent(extra))
    (root / "specification" / name).write_text(text, encoding="utf-8")


def problems(root: Path) -> list[str]:
    with pytest.raises(LibraryError) as exc:
        load_library(root)
    return [str(p) for p in exc.value.problems]


def test_specification_sections_load_in_order_with_evidence_and_change_the_hash(tmp_path: Path) -> None:
    root = write(tmp_path, {"a.yaml": clause("ANX-A")})
    before = load_library(root).content_hash
    spec(root, "b.yaml", id_="SPEC-B", order=20)
    spec(
        root, "a.yaml", id_="SPEC-A", order=10,
        extra="""
        evidence:
          - what: ISMS認証の登録証の写し
            criteria: [OUT-SEL-02]
          - what: クラウドサービスのISMAP登録を示す書類
            criteria: [OUT-SEL-10]
            condition: {flag: CLOUD}
        """,
    )  # fmt: skip
    library = load_library(root)
    assert [c.id for c in library.specification] == ["SPEC-A", "SPEC-B"]
    assert [c.id for c in library.clauses] == ["ANX-A"]  # 仕様書 sections are not contract clauses
    assert library.specification[0].section == SPEC_SECTION
    evidence = library.specification[0].evidence
    assert [(e.what, e.criteria) for e in evidence] == [
        ("ISMS認証の登録証の写し", ("OUT-SEL-02",)),
        ("クラウドサービスのISMAP登録を示す書類", ("OUT-SEL-10",)),
    ]
    assert evidence[1].condition.holds(EngagementFacts(work_kinds=frozenset({"cloud_service"})))
    assert not evidence[1].condition.holds(EngagementFacts(work_kinds=frozenset({"clerical"})))
    assert resolve(library.specification[0], EngagementFacts()).clause.id == "SPEC-A"
    assert library.content_hash != before


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("section: annex\n", "未知の項目：section"),
        ("checks: []\n", "未知の項目：checks"),
        ("evidence: [{what: 登録証}]\nfoo: 1\n", "未知の項目：foo"),
        ("evidence: [{what: 登録証, criteria: [TK-05]}]\n", "OUT-SEL-xx"),
        ("evidence: [{what: 登録証, criteria: [OUT-SEL-99]}]\n", "OUT-SEL-99"),
        ("evidence: [{criteria: [OUT-SEL-02]}]\n", "evidence の各要素は what"),
        ("evidence: 登録証\n", "evidence の各要素は what"),
        ("evidence: [{what: '{{ bidder.name }}'}]\n", "定義されていない差込み項目：bidder"),
        ("evidence: [{what: 登録証, condition: {flag: NOPE}}]\n", "NOPE"),
    ],
)
def test_specification_problems_name_the_file_and_the_reason(tmp_path: Path, extra: str, expected: str) -> None:
    root = write(tmp_path, {"a.yaml": clause("ANX-A")})
    spec(root, "s.yaml", extra=extra)
    found = problems(root)
    assert any(p.startswith("specification/s.yaml（SPEC-REQ）") and expected in p for p in found), found


def test_specification_ids_may_not_repeat_clause_ids(tmp_path: Path) -> None:
    root = write(tmp_path, {"a.yaml": clause("ANX-A")})
    spec(root, "s.yaml", id_="ANX-A")
    assert any("clauses/a.yaml と重複" in p for p in problems(root))


def test_broken_specification_yaml_is_reported_once_with_the_other_problems(tmp_path: Path) -> None:
    root = write(tmp_path, {"a.yaml": clause("ANX-A", requirements="[NOPE-1]")})
    (root / "specification").mkdir()
    (root / "specification" / "s.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    found = problems(root)
    assert sum(p.startswith("specification/s.yaml") for p in found) == 1
    assert any("NOPE-1" in p for p in found)
