"""The facts of an engagement that decide its security requirements, and the condition flags derived from them.

Pure module. Flags follow the requirement catalog (shared/domain/requirements.md, "Condition flags"):
PI personal information, MN 特定個人情報 / マイナンバー利用事務系, C2+ 機密性2以上, SYS information-system work,
CLOUD cloud service, SUB 再委託, SNS social media operation, ALL always.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Scheme(StrEnum):
    """Classification scheme of the national guideline in force."""

    R6 = "R6"  # 自治体機密性 3A/3B/3C/2/1 (令和6年10月版)
    R5 = "R5"  # 機密性 3/2/1 (令和5年3月版まで)


CONFIDENTIALITY_LEVELS: dict[str, tuple[str, ...]] = {
    Scheme.R6: ("3A", "3B", "3C", "2", "1"),
    Scheme.R5: ("3", "2", "1"),
}
CONFIDENTIALITY_LABELS: dict[str, str] = {
    "3A": "自治体機密性3A",
    "3B": "自治体機密性3B",
    "3C": "自治体機密性3C",
    "3": "機密性3",
    "2": "機密性2",
    "1": "機密性1",
}
_TOP_LEVELS = frozenset({"3A", "3B", "3C", "3"})
_C2_PLUS = frozenset({"3A", "3B", "3C", "3", "2"})


class Segment(StrEnum):
    """Network segments (三層の対策)."""

    mynumber = "mynumber"
    lgwan = "lgwan"
    internet = "internet"


SEGMENT_LABELS: dict[str, str] = {
    Segment.mynumber: "マイナンバー利用事務系",
    Segment.lgwan: "LGWAN接続系",
    Segment.internet: "インターネット接続系",
}


class WorkKind(StrEnum):
    """Kinds of outsourced work."""

    system_development = "system_development"
    system_operation = "system_operation"
    system_maintenance = "system_maintenance"
    cloud_service = "cloud_service"
    clerical = "clerical"
    social_media = "social_media"
    other = "other"


WORK_KIND_LABELS: dict[str, str] = {
    WorkKind.system_development: "システム開発",
    WorkKind.system_operation: "システム運用",
    WorkKind.system_maintenance: "システム保守",
    WorkKind.cloud_service: "クラウドサービスの提供",
    WorkKind.clerical: "窓口・事務処理",
    WorkKind.social_media: "ソーシャルメディアの運用",
    WorkKind.other: "その他",
}
_SYSTEM_WORK = frozenset({WorkKind.system_development, WorkKind.system_operation, WorkKind.system_maintenance})


class WorkLocation(StrEnum):
    """Where the contractor works."""

    onsite = "onsite"
    contractor_site = "contractor_site"
    remote = "remote"


WORK_LOCATION_LABELS: dict[str, str] = {
    WorkLocation.onsite: "庁内",
    WorkLocation.contractor_site: "受託者の施設",
    WorkLocation.remote: "リモート（遠隔地）",
}


class Flag(StrEnum):
    """Condition flags of the requirement catalog."""

    ALL = "ALL"
    PI = "PI"
    MN = "MN"
    C2_PLUS = "C2+"
    SYS = "SYS"
    CLOUD = "CLOUD"
    SUB = "SUB"
    SNS = "SNS"


FLAG_LABELS: dict[str, str] = {
    Flag.ALL: "すべての委託",
    Flag.PI: "個人情報を取り扱う",
    Flag.MN: "特定個人情報（マイナンバー）を取り扱う",
    Flag.C2_PLUS: "機密性2以上の情報を取り扱う",
    Flag.SYS: "情報システムの開発・運用・保守",
    Flag.CLOUD: "クラウドサービスを利用する",
    Flag.SUB: "再委託を予定している",
    Flag.SNS: "ソーシャルメディアを運用する",
}


@dataclass(frozen=True)
class EngagementFacts:
    """What an engagement handles and how the work is done."""

    scheme: str = Scheme.R6
    confidentiality: str = "1"
    integrity: int = 1
    availability: int = 1
    personal_info: bool = False
    specific_personal_info: bool = False
    segments: frozenset[str] = field(default_factory=frozenset)
    work_kinds: frozenset[str] = field(default_factory=frozenset)
    work_locations: frozenset[str] = field(default_factory=frozenset)
    remote_access: bool = False
    off_premises: bool = False
    subcontracting: bool = False
    subcontractors: tuple[str, ...] = ()

    def problems(self) -> dict[str, str]:
        """Return contradictions and out-of-range values, by field, in Japanese (empty when consistent)."""
        errors: dict[str, str] = {}
        if self.scheme not in CONFIDENTIALITY_LEVELS:
            errors["scheme"] = "分類の基準はR6またはR5を選んでください。"
        elif self.confidentiality not in CONFIDENTIALITY_LEVELS[self.scheme]:
            levels = "・".join(CONFIDENTIALITY_LABELS[x] for x in CONFIDENTIALITY_LEVELS[self.scheme])
            errors["confidentiality"] = f"機密性は {levels} のいずれかを選んでください。"
        if self.integrity not in (1, 2):
            errors["integrity"] = "完全性は1または2を選んでください。"
        if self.availability not in (1, 2):
            errors["availability"] = "可用性は1または2を選んでください。"
        if self.specific_personal_info and not self.personal_info:
            errors["personal_info"] = "特定個人情報を取り扱う場合は、個人情報も「取り扱う」としてください。"
        if self.personal_info and self.confidentiality == "1":
            errors["confidentiality"] = "個人情報は公開を前提としない情報です。機密性は2以上を選んでください。"
        for name, values, allowed in (
            ("segments", self.segments, SEGMENT_LABELS),
            ("work_kinds", self.work_kinds, WORK_KIND_LABELS),
            ("work_locations", self.work_locations, WORK_LOCATION_LABELS),
        ):
            if set(values) - set(allowed):
                errors[name] = "選択肢にない値が含まれています。"
        if not self.work_kinds:
            errors["work_kinds"] = "業務の種類を1つ以上選んでください。"
        if not self.work_locations:
            errors["work_locations"] = "作業場所を1つ以上選んでください。"
        if self.subcontracting and not self.subcontractors:
            errors["subcontractors"] = "再委託を予定している場合は、再委託先（予定）を入力してください。"
        if not self.subcontracting and self.subcontractors:
            errors["subcontractors"] = "再委託を予定しない場合、再委託先は入力できません。"
        return errors

    @property
    def is_c2_plus(self) -> bool:
        """Whether the most sensitive information handled is 機密性2 or above."""
        return self.confidentiality in _C2_PLUS

    @property
    def is_top_confidentiality(self) -> bool:
        """Whether the information is 機密性3 (R5) or 自治体機密性3A/3B/3C (R6)."""
        return self.confidentiality in _TOP_LEVELS

    @property
    def flags(self) -> frozenset[str]:
        """The condition flags that hold for these facts (always including ALL)."""
        flags = {Flag.ALL}
        if self.personal_info or self.specific_personal_info or Segment.mynumber in self.segments:
            flags.add(Flag.PI)  # the マイナンバー利用事務系 holds 特定個人情報, which is personal information
        if self.specific_personal_info or Segment.mynumber in self.segments:
            flags.add(Flag.MN)
        if self.is_c2_plus:
            flags.add(Flag.C2_PLUS)
        if self.work_kinds & _SYSTEM_WORK:
            flags.add(Flag.SYS)
        if WorkKind.cloud_service in self.work_kinds:
            flags.add(Flag.CLOUD)
        if self.subcontracting:
            flags.add(Flag.SUB)
        if WorkKind.social_media in self.work_kinds:
            flags.add(Flag.SNS)
        return frozenset(str(f) for f in flags)

    def flag_reasons(self) -> dict[str, str]:
        """Say, per flag, which fact made it hold (for "why is this criterion here?")."""
        reasons: dict[str, str] = {Flag.ALL: "すべての委託に共通"}
        if self.personal_info or self.specific_personal_info:
            reasons[Flag.PI] = "個人情報を取り扱う"
        elif Segment.mynumber in self.segments:
            reasons[Flag.PI] = "マイナンバー利用事務系に接続する（特定個人情報に触れ得る）"
        if self.specific_personal_info:
            reasons[Flag.MN] = "特定個人情報（マイナンバー）を取り扱う"
        elif Segment.mynumber in self.segments:
            reasons[Flag.MN] = "マイナンバー利用事務系に接続する"
        if self.is_c2_plus:
            reasons[Flag.C2_PLUS] = f"{CONFIDENTIALITY_LABELS[self.confidentiality]}の情報を取り扱う"
        if self.work_kinds & _SYSTEM_WORK:
            kinds = "・".join(WORK_KIND_LABELS[k] for k in sorted(self.work_kinds & _SYSTEM_WORK))
            reasons[Flag.SYS] = f"業務の種類：{kinds}"
        if WorkKind.cloud_service in self.work_kinds:
            reasons[Flag.CLOUD] = "業務の種類：クラウドサービスの提供"
        if self.subcontracting:
            reasons[Flag.SUB] = f"再委託を予定（{'、'.join(self.subcontractors)}）"
        if WorkKind.social_media in self.work_kinds:
            reasons[Flag.SNS] = "業務の種類：ソーシャルメディアの運用"
        return reasons
