"""The Jinja environment of clause text: sandboxed, strict, with the 和暦 and 円 filters, and a sample context (pure).

The library checks every clause against ``sample_context()`` when it loads; documents render with ``compiled()``.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template
from jinja2.sandbox import SandboxedEnvironment

from governance.calendar import wareki

PLACEHOLDERS = frozenset(
    {
        "municipality",
        "contractor",
        "engagement",
        "term",
        "contract_value",
        "work_locations",
        "subcontractors",
        "facts",
        "front",
    }
)

FORM_PLACEHOLDERS = PLACEHOLDERS | {"check", "today"}
"""A form may also name the check it is offered for (title, period, due date, items) and the date it is printed."""


def yen(value: int | None) -> str:
    """Format an amount: 38,500,000円, or 別途定める額 when not fixed yet."""
    return "別途定める額" if value is None else f"{value:,}円"


def _wareki_filter(value: dt.date | None) -> str:
    return wareki(value) if value else "別途定める日"


def make_environment() -> SandboxedEnvironment:
    """The one Jinja environment for clause text: sandboxed, strict about undefined names, no HTML escaping.

    Clause text goes into Word documents (python-docx escapes XML itself) and into HTML previews (the page template
    escapes it), so the clause environment itself does not escape.
    """
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.filters["wareki"] = _wareki_filter
    env.filters["yen"] = yen
    return env


_ENVIRONMENT = make_environment()


@lru_cache(maxsize=8192)
def compiled(text: str) -> Template:
    """Compile a clause text once (compiling costs about 50 times what rendering does)."""
    return _ENVIRONMENT.from_string(text)


@lru_cache(maxsize=8192)
def _static(text: str) -> str | None:
    """The text as Jinja prints it when it has no Jinja syntax at all, else None (worked out once per text)."""
    if "{" in text or "\r" in text:
        return None
    return text.removesuffix("\n")  # what keep_trailing_newline=False does, and all it does to plain text


def render(text: str, context: dict[str, Any]) -> str:
    """Render a clause text with a context: a text without placeholders is returned as Jinja would print it.

    Most clause texts have no placeholder; rendering them through Jinja still builds a context (a copy of every
    placeholder) each time, which was most of the text work of a document.
    """
    static = _static(text)
    return static if static is not None else compiled(text).render(context)


def sample_context() -> dict[str, Any]:
    """A complete context with every placeholder, used to check templates when the library loads."""
    return {
        "municipality": {"name": "みどり市", "head": "みどり市長 緑川 一郎"},
        "contractor": {"name": "株式会社見本", "address": "みどり市中央一丁目1番1号",
                       "representative": "代表取締役 見本 太郎"},
        "engagement": {"title": "見本業務", "purpose": "目的", "scope": "範囲", "department": "総務課"},
        "term": {"start": dt.date(2026, 4, 1), "end": dt.date(2027, 3, 31), "renewal": "automatic",
                 "renewal_months": 12, "notice_days": 90},
        "contract_value": 1_000_000,
        "work_locations": ["庁内"],
        "subcontractors": ["株式会社再委託"],
        "facts": {"scheme": "R6", "confidentiality": "2", "integrity": 1, "availability": 1, "personal_info": True,
                  "specific_personal_info": True, "segments": ["mynumber"], "work_kinds": ["system_operation"],
                  "work_locations": ["onsite"], "remote_access": True, "off_premises": True, "subcontracting": True,
                  "subcontractors": ["株式会社再委託"], "contract_type": "jun_inin", "contract_type_choice": "",
                  "tier": 3, "flags": ["ALL", "PI", "MN", "SUB"]},
        "front": {"work_place": "みどり市役所本庁舎", "tax_amount": 90_909, "bond": "exempt", "bond_amount": None,
                  "bond_note": "みどり市契約規則第30条第1項第3号（保険契約の締結）", "payment": "lump_sum",
                  "payment_note": "", "supervisor": "総務課 主査 見本 花子", "renewal_basis": "long_term"},
    }  # fmt: skip


def form_sample_context(*, bid: bool = False) -> dict[str, Any]:
    """The sample context of a form: a contract's, plus the check it is offered for and the printing date.

    A form handed to bidders (``bid``) is printed before there is a contractor, a check or a date: its context has
    the contractor as 「受注者」 and ``check`` and ``today`` as None, so a bid form must not rely on them.
    """
    if bid:
        return {**sample_context(), "contractor": {"name": "受注者", "address": "", "representative": ""},
                "check": None, "today": None}  # fmt: skip
    return {
        **sample_context(),
        "check": {"title": "定期報告（令和8年4月分）", "kind": "monthly", "due_on": dt.date(2026, 5, 11),
                  "period_start": dt.date(2026, 4, 1), "period_end": dt.date(2026, 4, 30),
                  "items": [{"what": "見本の確認事項", "requirements": ["OUT-CHK-03"]}]},
        "today": dt.date(2026, 5, 1),
    }  # fmt: skip
