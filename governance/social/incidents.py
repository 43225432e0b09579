"""Takeover and impersonation incidents: the response steps each kind walks through (SNS-11, SNS-12) (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class IncidentKind(StrEnum):
    """What happened to the account."""

    takeover = "takeover"
    impersonation = "impersonation"


INCIDENT_KIND_LABELS: dict[str, str] = {
    IncidentKind.takeover: "乗っ取り（不正アクセス）",
    IncidentKind.impersonation: "なりすまし",
}


@dataclass(frozen=True)
class Step:
    """One response step."""

    key: str
    label: str
    requirement_ids: tuple[str, ...]


STEPS: dict[str, tuple[Step, ...]] = {
    IncidentKind.takeover: (
        Step("secure_account", "全セッションのログアウトとパスワード等の認証情報の変更", ("SNS-11", "SNS-11a")),
        Step("contact_platform", "プラットフォーム事業者への連絡（アカウントの回復・不正利用の報告）", ("SNS-11b",)),
        Step("delete_posts", "不正な投稿・広告・メッセージの削除", ("SNS-11b",)),
        Step("warn_public", "市のウェブサイト等での注意喚起（回復・移行の周知を含む）", ("SNS-11c",)),
        Step("report_ciso", "CISO・CSIRTへのインシデント報告と原因の確認", ("SNS-11d",)),
    ),
    IncidentKind.impersonation: (
        Step("report_platform", "なりすましアカウントのプラットフォーム事業者への通報", ("SNS-12",)),
        Step("warn_public", "市のウェブサイト・公式アカウントでの注意喚起", ("SNS-12", "SNS-11c")),
        Step("stop_campaigns", "関連するキャンペーン等の停止・確認", ("SNS-12",)),
        Step("report_ciso", "CISO・CSIRTへの報告", ("SNS-11d",)),
    ),
}


RECORD_KINDS: dict[str, str] = {
    IncidentKind.takeover: "sns_takeover",
    IncidentKind.impersonation: "sns_impersonation",
}
"""The kind of the incident record (``governance.incidents.tables.IncidentKind``) each SNS kind is stored as."""

SOCIAL_KINDS: dict[str, str] = {record: kind for kind, record in RECORD_KINDS.items()}
"""The SNS kind of an incident record's SNS kind (the pages and the API speak ``takeover`` / ``impersonation``)."""

RECORD_STEPS: dict[str, tuple[Step, ...]] = {RECORD_KINDS[kind]: steps for kind, steps in STEPS.items()}
"""The response steps of the incident record's SNS kinds (``governance.incidents.steps`` uses these)."""


def incident_title(display_name: str, kind: str) -> str:
    """The title an SNS incident gets in the incident record (the data migration builds the same one)."""
    return f"SNSアカウント「{display_name}」の{INCIDENT_KIND_LABELS.get(kind, kind)}"[:200]


def steps_of(kind: str) -> tuple[Step, ...]:
    """The response steps of an incident kind, in order.

    Raises:
        KeyError: an unknown kind.
    """
    return STEPS[kind]


def step(kind: str, key: str) -> Step | None:
    """The step with the key in an incident kind, or None."""
    return next((s for s in STEPS.get(kind, ()) if s.key == key), None)


@dataclass(frozen=True)
class Progress:
    """Which steps are done and which is next."""

    done: tuple[str, ...]
    remaining: tuple[Step, ...]

    @property
    def complete(self) -> bool:
        """Tell whether every step is done."""
        return not self.remaining

    @property
    def next_step(self) -> Step | None:
        """The first step not yet done."""
        return self.remaining[0] if self.remaining else None


def progress(kind: str, done_keys: set[str] | frozenset[str]) -> Progress:
    """Measure an incident's progress from the keys of its recorded steps."""
    steps = steps_of(kind)
    return Progress(
        done=tuple(s.key for s in steps if s.key in done_keys),
        remaining=tuple(s for s in steps if s.key not in done_keys),
    )
