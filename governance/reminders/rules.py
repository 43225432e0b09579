"""Reminder rules: lead times before a due date, then a repeat while overdue (pure: no database, no web).

A rule is written ``subject=30,7,1/7``: remind 30, 7 and 1 days before the due date, then every 7 days once it is
overdue (``/0`` or no ``/`` part: never after the due date). ``GOVERNANCE_REMINDER_RULES`` overrides the defaults
per subject, separated by semicolons.

Each reminder is one *occurrence*: the due date and the last threshold passed (``2026-04-10:before-7``,
``2026-04-10:overdue-2``). A run on any day computes the current occurrence only, so a late or repeated run sends
the most recent reminder once and never the ones it missed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

SUBJECT_LABELS: dict[str, str] = {
    "check": "確認の期限",
    "measure": "措置の期限",
    "certificate": "認証の有効期限",
    "contract_end": "契約期間の満了",
    "notice": "解約申出期限",
    "suspension_end": "指名停止の終了",
    "ext_review": "外部サービスの定期点検",
    "incident_preliminary": "個人情報保護委員会への速報の期限",
    "incident_final": "個人情報保護委員会への確報の期限",
    "incident_notify": "本人への通知の期限",
}

DEFAULT_RULES = (
    "check=30,7,1/7; measure=14,7,1/7; certificate=60,30,7; contract_end=90,30; notice=30,7,1; "
    "suspension_end=7,1; ext_review=30,7/7; incident_preliminary=3,1,0/1; incident_final=14,7,3,1,0/1; "
    "incident_notify=7,1,0/1"
)


class RuleError(ValueError):
    """A reminder rule that cannot be read."""


@dataclass(frozen=True)
class Rule:
    """Lead times (days before, largest first) and the overdue repeat interval (0: none)."""

    subject: str
    leads: tuple[int, ...]
    overdue_every: int = 0

    @property
    def horizon(self) -> int:
        """How many days ahead this rule looks."""
        return max(self.leads, default=0)

    def occurrence(self, due: dt.date, today: dt.date) -> str | None:
        """The reminder due today for a date ``due``, or None.

        Before (or on) the due date: the smallest lead time already reached. After it: one occurrence per
        ``overdue_every`` days, starting the day after the due date.
        """
        days = (due - today).days
        if days >= 0:
            reached = [lead for lead in self.leads if days <= lead]
            return f"{due.isoformat()}:before-{min(reached)}" if reached else None
        if not self.overdue_every:
            return None
        return f"{due.isoformat()}:overdue-{(-days - 1) // self.overdue_every}"


def parse_rules(text: str) -> dict[str, Rule]:
    """Read rules from ``subject=leads/every; ...`` over the defaults.

    Raises:
        RuleError: an unknown subject or a malformed part, with the part named.
    """
    rules: dict[str, Rule] = {}
    for source in (DEFAULT_RULES, text):
        for part in (p.strip() for p in source.split(";")):
            if not part:
                continue
            subject, sep, spec = part.partition("=")
            subject = subject.strip()
            if not sep or subject not in SUBJECT_LABELS:
                raise RuleError(f"reminder rule {part!r}: the subject must be one of {', '.join(SUBJECT_LABELS)}")
            leads_text, _, every_text = spec.partition("/")
            try:
                leads = tuple(sorted({int(x) for x in leads_text.split(",") if x.strip()}, reverse=True))
                every = int(every_text) if every_text.strip() else 0
            except ValueError:
                raise RuleError(f"reminder rule {part!r}: write days as numbers, e.g. check=30,7,1/7") from None
            if any(x < 0 or x > 366 for x in leads) or not 0 <= every <= 366:
                raise RuleError(f"reminder rule {part!r}: days must be between 0 and 366")
            rules[subject] = Rule(subject, leads, every)
    return rules
