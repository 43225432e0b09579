"""The clause library: declarative conditions, validation with file/clause/reason, selection with reasons."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.contracts.clauses import select_clauses
from governance.contracts.conditions import ConditionError, parse_condition
from governance.contracts.library import LibraryError, load_library, make_environment, sample_context
from governance.engagements.facts import EngagementFacts

LIBRARY = """
version: "test-1"
title: 業務委託契約書
sections:
  - {id: main, title: 業務委託契約書}
  - {id: annex, title: 情報セキュリティに関する特記事項}
"""


def write(root: Path, files: dict[str, str], library: str = LIBRARY) -> Path:
    (root / "clauses").mkdir(parents=True, exist_ok=True)
    (root / "library.yaml").write_text(textwrap.dedent(library), encoding="utf-8")
    for name, text in files.items():
        (root / "clauses" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def clause(
    id_: str,
    *,
    section: str = "annex",
    order: int = 10,
    condition: str = "",
    body: str = "本文",
    requirements: str = "[TK-02]",
    extra: str = "",
) -> str:
    cond = f"condition: {condition}\n" if condition else ""
    head = f"id: {id_}\nsection: {section}\norder: {order}\ntitle: 見出し\nrequirements: {requirements}\n"
    return f"{head}{cond}body: {body}\n{extra}"


PI = EngagementFacts(confidentiality="2", personal_info=True, work_kinds=frozenset({"clerical"}),
                     work_locations=frozenset({"onsite"}))  # fmt: skip
MN_SUB = EngagementFacts(
    confidentiality="3B", personal_info=True, specific_personal_info=True, segments=frozenset({"mynumber"}),
    work_kinds=frozenset({"system_operation"}), work_locations=frozenset({"contractor_site"}), subcontracting=True,
    subcontractors=("株式会社下請",),
)  # fmt: skip
PUBLIC_CLOUD = EngagementFacts(work_kinds=frozenset({"cloud_service"}), work_locations=frozenset({"remote"}))


# -- conditions ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "facts", "expected"),
    [
        (None, PUBLIC_CLOUD, True),
        ({"flag": "PI"}, PI, True),
        ({"flag": "PI"}, PUBLIC_CLOUD, False),
        ({"fact": "personal_info", "is": True}, PI, True),
        ({"fact": "confidentiality", "in": ["3A", "3B"]}, MN_SUB, True),
        ({"fact": "confidentiality", "in": ["3A", "3B"]}, PI, False),
        ({"fact": "work_locations", "contains": "contractor_site"}, MN_SUB, True),
        ({"fact": "flags", "contains": "SUB"}, PI, False),
        ({"fact": "integrity", "at_least": 2}, PI, False),
        ({"all": [{"flag": "MN"}, {"flag": "SUB"}]}, MN_SUB, True),
        ({"all": [{"flag": "MN"}, {"flag": "SUB"}]}, PI, False),
        ({"any": [{"flag": "SYS"}, {"flag": "CLOUD"}]}, PUBLIC_CLOUD, True),
        ({"not": {"flag": "PI"}}, PUBLIC_CLOUD, True),
        ({"not": {"flag": "PI"}}, PI, False),
    ],
)
def test_conditions_evaluate(raw, facts, expected):
    assert parse_condition(raw).holds(facts) is expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"flag": "XYZ"}, "未知の条件フラグ"),
        ({"fact": "salary", "is": 1}, "未知の事実"),
        ({"fact": "integrity", "equals": 2}, "比較を1つ"),
        ({"fact": "integrity", "is": 2, "in": [2]}, "比較を1つ"),
        ({"fact": "integrity", "contains": 2}, "contains は一覧の事実"),
        ({"fact": "segments", "is": "mynumber"}, "contains を使ってください"),
        ({"fact": "integrity", "at_least": "2"}, "整数"),
        ({"fact": "confidentiality", "in": "2"}, "値の一覧"),
        ({"all": []}, "1つ以上"),
        ({"eval": "__import__('os')"}, "未知の書き方"),
        ("PI", "のいずれかで書いてください"),
    ],
)
def test_malformed_conditions_are_refused_with_the_reason(raw, message):
    with pytest.raises(ConditionError, match=message):
        parse_condition(raw)


def test_reasons_name_the_facts():
    cond = parse_condition({"all": [{"flag": "MN"}, {"flag": "SUB"}]})
    reasons = cond.reasons(MN_SUB)
    assert "特定個人情報（マイナンバー）を取り扱う" in reasons and any("株式会社下請" in r for r in reasons)


# -- loading and validation ---------------------------------------------------------------------------------------


def test_valid_library_loads_with_version_and_hash(tmp_path):
    root = write(tmp_path, {"a.yaml": clause("ANX-A"), "b.yaml": clause("MAIN-B", section="main")})
    lib = load_library(root)
    assert lib.version == "test-1" and len(lib.clauses) == 2 and len(lib.content_hash) == 64
    (root / "clauses" / "a.yaml").write_text(clause("ANX-A", body="別の本文"), encoding="utf-8")
    assert load_library(root).content_hash != lib.content_hash


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (clause("ANX-A", extra="colour: red\n"), "未知の項目：colour"),
        (clause("ANX-A", requirements="[]"), "要件IDを1つ以上"),
        (clause("ANX-A", requirements="[TK-99]"), "要件カタログにない要件ID：TK-99"),
        (clause("ANX-A", condition="{flag: NOPE}"), "未知の条件フラグ"),
        (clause("ANX-A", body="'{{ contractor.nmae }}'"), "定義されていない差込み項目"),
        (clause("ANX-A", body="'{{ salary }}'"), "定義されていない差込み項目：salary"),
        (clause("ANX-A", body="'{% if %}'"), "構文エラー"),
        (clause("ANX-A", section="appendix"), "section は"),
        (
            clause("ANX-A", extra="checks:\n  - {id: CHK-A, what: 確認, when: weekly, requirements: [OUT-CHK-03]}\n"),
            "checks[0].when",
        ),
        (clause("anx-lower"), "id は英大文字"),
    ],
)
def test_problems_name_file_clause_and_reason(tmp_path, text, reason):
    root = write(tmp_path, {"bad.yaml": text})
    with pytest.raises(LibraryError) as exc:
        load_library(root)
    problem = next(p for p in exc.value.problems if reason in p.reason)
    assert problem.file == "clauses/bad.yaml"


def test_duplicate_ids_and_check_ids_are_refused(tmp_path):
    check = "checks:\n  - {id: CHK-X, what: 確認, when: monthly, requirements: [OUT-CHK-03]}\n"
    root = write(tmp_path, {"a.yaml": clause("ANX-A", extra=check), "b.yaml": clause("ANX-A", extra=check)})
    with pytest.raises(LibraryError) as exc:
        load_library(root)
    reasons = " / ".join(p.reason for p in exc.value.problems)
    assert "重複" in reasons and "CHK-X" in reasons


def test_yaml_errors_and_missing_library_file_are_reported(tmp_path):
    (tmp_path / "clauses").mkdir()
    (tmp_path / "clauses" / "x.yaml").write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(LibraryError) as exc:
        load_library(tmp_path)
    files = {p.file for p in exc.value.problems}
    assert "library.yaml" in files and "clauses/x.yaml" in files


def test_templates_render_in_a_sandbox_and_refuse_undefined_names():
    env = make_environment()
    assert env.from_string("{{ term.start|wareki }}／{{ contract_value|yen }}").render(sample_context()) == (
        "令和8年4月1日／1,000,000円"
    )
    with pytest.raises(Exception):  # noqa: B017 - StrictUndefined or the sandbox: either refuses
        env.from_string("{{ ''.__class__.__mro__ }}").render({})


# -- selection ----------------------------------------------------------------------------------------------------


def _library(tmp_path):
    return load_library(write(tmp_path, {
        "m1.yaml": clause("MAIN-1", section="main", order=20),
        "m0.yaml": clause("MAIN-0", section="main", order=10),
        "pi.yaml": clause("ANX-PI", order=30, condition="{flag: PI}", requirements="[TK-01]"),
        "mn.yaml": clause("ANX-LAW02", order=40, condition="{all: [{flag: MN}, {flag: SUB}]}", requirements="[LAW-02]"),
        "all.yaml": clause("ANX-ALL", order=5, requirements="[OUT-CON-07]"),
    }))  # fmt: skip


def test_selection_orders_by_section_then_order_and_gives_reasons(tmp_path):
    chosen = select_clauses(MN_SUB, _library(tmp_path))
    assert [c.clause.id for c in chosen] == ["MAIN-0", "MAIN-1", "ANX-ALL", "ANX-PI", "ANX-LAW02"]
    law02 = chosen[-1]
    assert "特定個人情報（マイナンバー）を取り扱う" in law02.reasons
    assert law02.requirement_labels == ("LAW-02 番号法10条 再委託許諾",)


def test_public_cloud_gets_no_personal_data_clause(tmp_path):
    ids = [c.clause.id for c in select_clauses(PUBLIC_CLOUD, _library(tmp_path))]
    assert "ANX-PI" not in ids and "ANX-LAW02" not in ids and "ANX-ALL" in ids


facts_strategy = st.builds(
    EngagementFacts,
    confidentiality=st.sampled_from(["1", "2", "3A"]),
    personal_info=st.booleans(),
    specific_personal_info=st.booleans(),
    segments=st.frozensets(st.sampled_from(["mynumber", "lgwan", "internet"])),
    work_kinds=st.frozensets(st.sampled_from(["system_operation", "cloud_service", "clerical"]), min_size=1),
    work_locations=st.frozensets(st.sampled_from(["onsite", "contractor_site", "remote"]), min_size=1),
    subcontracting=st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(facts=facts_strategy)
def test_a_clause_never_appears_without_its_condition(tmp_path_factory, facts):
    lib = _library(tmp_path_factory.mktemp("lib"))
    chosen = {c.clause.id for c in select_clauses(facts, lib)}
    for c in lib.clauses:
        assert (c.id in chosen) == c.condition.holds(facts)
    assert {"MAIN-0", "MAIN-1", "ANX-ALL"} <= chosen  # unconditional clauses are in every contract
