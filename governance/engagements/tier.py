"""Criticality tier of an engagement, computed from its facts by a documented rule (pure).

重要度 高 (3): any of
  - 特定個人情報 / マイナンバー利用事務系 (MN),
  - the most sensitive confidentiality level (自治体機密性3A/3B/3C, or 機密性3 under R5),
  - personal information that leaves the municipality's control: taken off premises, reached remotely, or
    re-outsourced.
重要度 中 (2): otherwise any of 機密性2以上, personal information, 完全性2, 可用性2, information-system work, cloud
  (a cloud service, or work done in the contractor's cloud).
重要度 低 (1): everything else (public information only, no system work).

The tier decides how closely an engagement is watched (checks, on-site inspections) in later features; a change of
facts that raises it must be recorded with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from governance.engagements.facts import CONFIDENTIALITY_LABELS, EngagementFacts, Flag

TIER_LABELS: dict[int, str] = {3: "高", 2: "中", 1: "低"}


@dataclass(frozen=True)
class TierResult:
    """The tier and the facts that decided it."""

    tier: int
    reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        """高 / 中 / 低."""
        return TIER_LABELS[self.tier]


def criticality(facts: EngagementFacts) -> TierResult:
    """Compute the tier of an engagement from its facts."""
    flags = facts.flags
    high: list[str] = []
    if Flag.MN in flags:
        high.append("特定個人情報（マイナンバー）に関わる業務")
    if facts.is_top_confidentiality:
        high.append(f"{CONFIDENTIALITY_LABELS[facts.confidentiality]}の情報を取り扱う")
    if Flag.PI in flags:
        exposure = [
            label
            for on, label in (
                (facts.off_premises, "庁外への持ち出し"),
                (facts.remote_access, "リモートアクセス"),
                (facts.subcontracting, "再委託"),
            )
            if on
        ]
        if exposure:
            high.append(f"個人情報を取り扱い、{'・'.join(exposure)}がある")
    if high:
        return TierResult(3, tuple(high))
    medium: list[str] = []
    if Flag.C2_PLUS in flags:
        medium.append(f"{CONFIDENTIALITY_LABELS[facts.confidentiality]}の情報を取り扱う")
    if Flag.PI in flags:
        medium.append("個人情報を取り扱う")
    if facts.integrity == 2:
        medium.append("完全性2の情報を取り扱う")
    if facts.availability == 2:
        medium.append("可用性2の情報を取り扱う")
    if Flag.SYS in flags:
        medium.append("情報システムの開発・運用・保守")
    if Flag.CLOUD in flags:
        medium.append("クラウドサービスの利用")
    if medium:
        return TierResult(2, tuple(medium))
    return TierResult(1, ("公開情報のみを取り扱い、情報システムに関わらない",))
