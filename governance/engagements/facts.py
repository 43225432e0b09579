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
def _rank(scheme: str, level: str) -> int:
    """Position of a level in its scheme, most sensitive first (3A → 0)."""
    return CONFIDENTIALITY_LEVELS[scheme].index(level)


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
    """Kinds of outsourced work (one engagement may combine several)."""

    system_development = "system_development"
    system_operation = "system_operation"
    cloud_service = "cloud_service"
    data_entry = "data_entry"
    printing_mailing = "printing_mailing"
    clerical = "clerical"
    social_media = "social_media"
    research = "research"
    disposal = "disposal"
    other = "other"


WORK_KIND_LABELS: dict[str, str] = {
    WorkKind.system_development: "システム開発・構築",
    WorkKind.system_operation: "システム運用・保守",
    WorkKind.cloud_service: "クラウドサービス（SaaS等）の提供",
    WorkKind.data_entry: "データ入力・帳票作成",
    WorkKind.printing_mailing: "印刷・封入封緘・発送",
    WorkKind.clerical: "窓口・コールセンター・事務補助",
    WorkKind.social_media: "SNS・ウェブサイトの運用",
    WorkKind.research: "調査・分析",
    WorkKind.disposal: "廃棄・消去",
    WorkKind.other: "その他",
}
_SYSTEM_WORK = frozenset({WorkKind.system_development, WorkKind.system_operation})


class WorkLocation(StrEnum):
    """Where the contractor does the work."""

    onsite = "onsite"
    contractor_site = "contractor_site"
    remote = "remote"
    contractor_cloud = "contractor_cloud"


WORK_LOCATION_LABELS: dict[str, str] = {
    WorkLocation.onsite: "甲の庁舎内",
    WorkLocation.contractor_site: "乙の施設",
    WorkLocation.remote: "リモート（甲の環境への接続）",
    WorkLocation.contractor_cloud: "乙のクラウド環境",
}
_PREMISES = frozenset({WorkLocation.onsite, WorkLocation.contractor_site, WorkLocation.remote})


class ContractType(StrEnum):
    """The civil-law nature of the contract: 請負 (a result is owed) or 準委任 (diligent performance is owed)."""

    ukeoi = "ukeoi"
    jun_inin = "jun_inin"


CONTRACT_TYPE_LABELS: dict[str, str] = {ContractType.ukeoi: "請負", ContractType.jun_inin: "準委任"}
UKEOI_KINDS = frozenset(
    {WorkKind.system_development, WorkKind.data_entry, WorkKind.printing_mailing, WorkKind.research, WorkKind.disposal}
)
"""Kinds of work that deliver a finished result (成果物・完成); any of them makes the contract 請負 by default."""

MYNUMBER_DEPARTMENT_WORDS = (
    "税", "福祉", "住民", "市民", "戸籍", "保険", "年金", "介護", "児童", "子ども", "こども", "子育て", "障がい",
    "障害", "生活支援", "保護", "健康",
)  # fmt: skip
"""Department names in which マイナンバー利用事務 (社会保障・税・災害対策, 番号法第9条・別表) usually happens."""


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
    DEV = "DEV"
    SAAS = "SAAS"


FLAG_LABELS: dict[str, str] = {
    Flag.ALL: "すべての委託",
    Flag.PI: "個人情報を取り扱う",
    Flag.MN: "特定個人情報（マイナンバー）を取り扱う",
    Flag.C2_PLUS: "機密性2以上の情報を取り扱う",
    Flag.SYS: "情報システムの開発・運用・保守",
    Flag.CLOUD: "クラウドサービスを利用する",
    Flag.SUB: "再委託を予定している",
    Flag.SNS: "ソーシャルメディア・ウェブサイトを運用する",
    Flag.DEV: "情報システムを開発・構築する",
    Flag.SAAS: "乙のクラウド環境だけで提供されるサービス（SaaS等）",
}


FLAG_FACTS: dict[str, frozenset[str]] = {
    Flag.ALL: frozenset(),
    Flag.PI: frozenset({"personal_info", "specific_personal_info", "segments"}),
    Flag.MN: frozenset({"specific_personal_info", "segments"}),
    Flag.C2_PLUS: frozenset({"confidentiality"}),
    Flag.SYS: frozenset({"work_kinds"}),
    Flag.CLOUD: frozenset({"work_kinds", "work_locations"}),
    Flag.SUB: frozenset({"subcontracting"}),
    Flag.SNS: frozenset({"work_kinds"}),
    Flag.DEV: frozenset({"work_kinds"}),
    Flag.SAAS: frozenset({"work_kinds", "work_locations"}),
}
"""The facts each flag is computed from (``EngagementFacts.flags``); a test holds the two together."""


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
    contract_type_choice: str = ""  # "" = derived from the kinds of work (see contract_type)

    @property
    def derived_contract_type(self) -> str:
        """請負 when any kind of work delivers a finished result, otherwise 準委任."""
        return ContractType.ukeoi if self.work_kinds & UKEOI_KINDS else ContractType.jun_inin

    @property
    def contract_type(self) -> str:
        """The contract type in force: the officer's choice, or the one derived from the kinds of work."""
        return self.contract_type_choice or self.derived_contract_type

    @property
    def mynumber_minimum(self) -> str:
        """The lowest confidentiality level that 特定個人情報 may be classified at under the scheme."""
        return "3B" if self.scheme == Scheme.R6 else "3"

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
        if self.contract_type_choice and self.contract_type_choice not in CONTRACT_TYPE_LABELS:
            errors["contract_type"] = (
                "契約の性質は「請負」又は「準委任」を選んでください（空欄の場合は業務の種類から判定します）。"
            )
        if (
            (self.specific_personal_info or Segment.mynumber in self.segments)
            and self.scheme in CONFIDENTIALITY_LEVELS
            and self.confidentiality in CONFIDENTIALITY_LEVELS[self.scheme]
            and _rank(self.scheme, self.confidentiality) > _rank(self.scheme, self.mynumber_minimum)
        ):
            minimum = CONFIDENTIALITY_LABELS[self.mynumber_minimum]
            errors.setdefault(
                "confidentiality",
                f"特定個人情報（マイナンバー）やマイナンバー利用事務系の情報は、{minimum}以上に分類される情報です。"
                f"機密性は{minimum}以上を選んでください。",
            )
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
        if self.subcontracting:
            flags.add(Flag.SUB)
        if WorkKind.cloud_service in self.work_kinds or WorkLocation.contractor_cloud in self.work_locations:
            flags.add(Flag.CLOUD)
        if WorkKind.social_media in self.work_kinds:
            flags.add(Flag.SNS)
        if WorkKind.system_development in self.work_kinds:
            flags.add(Flag.DEV)
        if Flag.CLOUD in flags and self.work_locations and not (self.work_locations & _PREMISES):
            flags.add(Flag.SAAS)
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
            reasons[Flag.CLOUD] = "業務の種類：クラウドサービス（SaaS等）の提供"
        elif WorkLocation.contractor_cloud in self.work_locations:
            reasons[Flag.CLOUD] = "作業場所：乙のクラウド環境"
        if self.subcontracting:
            reasons[Flag.SUB] = f"再委託を予定（{'、'.join(self.subcontractors)}）"
        if WorkKind.social_media in self.work_kinds:
            reasons[Flag.SNS] = "業務の種類：SNS・ウェブサイトの運用"
        if WorkKind.system_development in self.work_kinds:
            reasons[Flag.DEV] = "業務の種類：システム開発・構築"
        if Flag.SAAS in self.flags:
            reasons[Flag.SAAS] = "作業場所が乙のクラウド環境だけ（甲の庁舎・乙の施設・リモート接続での作業がない）"
        return reasons

    def mynumber_suggestion(self, department_name: str) -> str:
        """A prompt to confirm マイナンバー when the department and the work suggest it (empty when not suggested)."""
        if self.specific_personal_info or Segment.mynumber in self.segments:
            return ""
        words = [w for w in MYNUMBER_DEPARTMENT_WORDS if w in department_name]
        if not words or not (self.personal_info or self.work_kinds & (_SYSTEM_WORK | {WorkKind.data_entry})):
            return ""
        return (
            f"所管課（{department_name}）の業務は、社会保障・税・災害対策の分野でマイナンバーを利用する事務"
            "（番号法第9条）に当たることがあります。特定個人情報を取り扱うか、マイナンバー利用事務系に接続するかを"
            "確認してください。"
        )
