"""Declarative clause conditions over an engagement's facts: all / any / not, flags and comparisons (pure).

Grammar (YAML or JSON), validated before use so that no clause file can run code:

    {flag: MN}                                 a condition flag holds
    {fact: personal_info, is: true}            equality
    {fact: confidentiality, in: ["3A", "2"]}   membership
    {fact: work_locations, contains: remote}   a list fact contains the value
    {fact: integrity, at_least: 2}             a number is at least the value
    {all: [cond, …]} / {any: [cond, …]} / {not: cond}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from governance.engagements.facts import (
    CONFIDENTIALITY_LABELS,
    CONTRACT_TYPE_LABELS,
    FLAG_LABELS,
    SEGMENT_LABELS,
    WORK_KIND_LABELS,
    WORK_LOCATION_LABELS,
    EngagementFacts,
)
from governance.engagements.tier import TIER_LABELS, criticality

FACTS: frozenset[str] = frozenset(
    {
        "scheme", "confidentiality", "integrity", "availability", "personal_info", "specific_personal_info",
        "segments", "work_kinds", "work_locations", "remote_access", "off_premises", "subcontracting",
        "subcontractors", "contract_type", "tier", "flags",
    }
)  # fmt: skip
"""The facts a condition may read. ``contract_type`` is the one in force (chosen or derived); ``tier`` is the
重要度 computed from the other facts (governance.engagements.tier)."""
LIST_FACTS = frozenset({"segments", "work_kinds", "work_locations", "subcontractors", "flags"})
COMPARISONS = ("is", "in", "contains", "at_least")

FACT_LABELS: dict[str, str] = {
    "scheme": "分類の基準", "confidentiality": "機密性", "integrity": "完全性", "availability": "可用性",
    "personal_info": "個人情報", "specific_personal_info": "特定個人情報", "segments": "接続するネットワーク",
    "work_kinds": "業務の種類", "work_locations": "作業場所", "remote_access": "リモート接続",
    "off_premises": "庁外への持ち出し", "subcontracting": "再委託", "subcontractors": "再委託先",
    "contract_type": "契約の性質", "tier": "重要度", "flags": "条件",
}  # fmt: skip
VALUE_LABELS: dict[str, dict] = {
    "confidentiality": CONFIDENTIALITY_LABELS, "segments": SEGMENT_LABELS, "work_kinds": WORK_KIND_LABELS,
    "work_locations": WORK_LOCATION_LABELS, "contract_type": CONTRACT_TYPE_LABELS, "tier": TIER_LABELS,
    "flags": FLAG_LABELS,
}  # fmt: skip
"""Japanese names of coded values, so that reasons and the matrix never show an internal code."""


class ConditionError(ValueError):
    """A condition that does not follow the grammar; the message says where and why."""


@dataclass(frozen=True)
class Condition:
    """A validated condition tree."""

    kind: str  # always, flag, fact, all, any, not
    name: str = ""
    op: str = ""
    value: Any = None
    children: tuple[Condition, ...] = ()

    def holds(self, facts: EngagementFacts) -> bool:
        """Evaluate the condition on the facts."""
        if self.kind == "always":
            return True
        if self.kind == "flag":
            return self.name in facts.flags
        if self.kind == "all":
            return all(c.holds(facts) for c in self.children)
        if self.kind == "any":
            return any(c.holds(facts) for c in self.children)
        if self.kind == "not":
            return not self.children[0].holds(facts)
        actual = _fact(facts, self.name)
        if self.op == "is":
            return actual == self.value
        if self.op == "in":
            return actual in self.value
        if self.op == "contains":
            return self.value in actual
        return isinstance(actual, int) and not isinstance(actual, bool) and actual >= self.value

    def reasons(self, facts: EngagementFacts) -> list[str]:
        """Say, in Japanese, which facts made the condition hold (call only when it holds)."""
        if self.kind == "always":
            return ["すべての委託に共通"]
        if self.kind == "flag":
            return [facts.flag_reasons().get(self.name, FLAG_LABELS.get(self.name, self.name))]
        if self.kind == "all":
            return [r for c in self.children for r in c.reasons(facts)]
        if self.kind == "any":
            return [r for c in self.children if c.holds(facts) for r in c.reasons(facts)]
        if self.kind == "not":
            return [f"次に該当しない：{self.children[0].describe()}"]
        shown = self.value if self.op == "contains" else _fact(facts, self.name)  # the value that matched
        return [f"{FACT_LABELS.get(self.name, self.name)}：{_show(shown, self.name)}"]

    def describe(self) -> str:
        """A short Japanese description of the condition itself."""
        if self.kind == "always":
            return "常に"
        if self.kind == "flag":
            return FLAG_LABELS.get(self.name, self.name)
        if self.kind in ("all", "any"):
            joiner = "、かつ、" if self.kind == "all" else "、又は、"
            return f"（{joiner.join(c.describe() for c in self.children)}）"
        if self.kind == "not":
            return f"{self.children[0].describe()}でない"
        label = FACT_LABELS.get(self.name, self.name)
        words = {"is": "が", "in": "が次のいずれか：", "contains": "に次を含む：", "at_least": "が次以上："}
        return f"{label}{words[self.op]}{_show(self.value, self.name)}"

    def names(self) -> frozenset[str]:
        """The facts and flags this condition reads ("flag:MN" for a flag)."""
        if self.kind == "flag":
            return frozenset({f"flag:{self.name}"})
        if self.kind == "fact":
            return frozenset({self.name})
        return frozenset().union(*(c.names() for c in self.children)) if self.children else frozenset()


ALWAYS = Condition("always")


def _fact(facts: EngagementFacts, name: str) -> Any:
    if name == "tier":
        return criticality(facts).tier
    value = getattr(facts, name)
    return frozenset(value) if name in LIST_FACTS else value


def _show(value: Any, name: str = "") -> str:
    labels = VALUE_LABELS.get(name, {})
    if isinstance(value, bool):
        return "あり" if value else "なし"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "、".join(str(labels.get(v, v)) for v in sorted(value)) or "なし"
    return str(labels.get(value, value))


def parse_condition(raw: Any, where: str = "condition") -> Condition:
    """Validate and build a condition from its YAML/JSON form (None means always).

    Raises:
        ConditionError: unknown keys, facts, flags or operators, or values of the wrong kind.
    """
    if raw is None:
        return ALWAYS
    if not isinstance(raw, Mapping) or not raw:
        raise ConditionError(f"{where}: 条件は「flag」「fact」「all」「any」「not」のいずれかで書いてください")
    keys = set(raw)
    if keys == {"flag"}:
        if raw["flag"] not in FLAG_LABELS:
            raise ConditionError(f"{where}: 未知の条件フラグ {raw['flag']!r}（{', '.join(FLAG_LABELS)} のいずれか）")
        return Condition("flag", name=str(raw["flag"]))
    if keys in ({"all"}, {"any"}):
        kind = next(iter(keys))
        items = raw[kind]
        if not isinstance(items, list) or not items:
            raise ConditionError(f"{where}.{kind}: 条件の一覧（1つ以上）を書いてください")
        return Condition(kind, children=tuple(parse_condition(c, f"{where}.{kind}[{i}]") for i, c in enumerate(items)))
    if keys == {"not"}:
        return Condition("not", children=(parse_condition(raw["not"], f"{where}.not"),))
    if "fact" in keys:
        ops = keys - {"fact"}
        if len(ops) != 1 or next(iter(ops)) not in COMPARISONS:
            raise ConditionError(f"{where}: fact には比較を1つ（{', '.join(COMPARISONS)}）だけ書いてください")
        name, op = raw["fact"], next(iter(ops))
        if name not in FACTS:
            raise ConditionError(f"{where}: 未知の事実 {name!r}")
        value = raw[op]
        if op == "in" and not isinstance(value, list):
            raise ConditionError(f"{where}: in には値の一覧を書いてください")
        if op == "contains" and name not in LIST_FACTS:
            raise ConditionError(f"{where}: contains は一覧の事実（{', '.join(sorted(LIST_FACTS))}）にだけ使えます")
        if op == "at_least" and (not isinstance(value, int) or isinstance(value, bool)):
            raise ConditionError(f"{where}: at_least には整数を書いてください")
        if op == "is" and name in LIST_FACTS:
            raise ConditionError(f"{where}: 一覧の事実には is ではなく contains を使ってください")
        return Condition("fact", name=name, op=op, value=tuple(value) if op == "in" else value)
    raise ConditionError(f"{where}: 未知の書き方 {sorted(keys)}")
