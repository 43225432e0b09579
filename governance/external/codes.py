"""Codes and Japanese labels of the external services domain (pure: shared by tables, rules and pages)."""

from __future__ import annotations

from enum import StrEnum


class ServiceKind(StrEnum):
    """What kind of service it is (social media platforms are a kind of their own)."""

    saas = "saas"
    paas = "paas"
    iaas = "iaas"
    social_media = "social_media"


SERVICE_KIND_LABELS: dict[str, str] = {
    ServiceKind.saas: "SaaS",
    ServiceKind.paas: "PaaS",
    ServiceKind.iaas: "IaaS",
    ServiceKind.social_media: "ソーシャルメディア",
}


class Platform(StrEnum):
    """Social media platform codes (used when the kind is social media)."""

    x = "x"
    facebook = "facebook"
    instagram = "instagram"
    line = "line"
    youtube = "youtube"
    tiktok = "tiktok"
    note = "note"
    other = "other"


PLATFORM_LABELS: dict[str, str] = {
    Platform.x: "X（旧Twitter）",
    Platform.facebook: "Facebook",
    Platform.instagram: "Instagram",
    Platform.line: "LINE",
    Platform.youtube: "YouTube",
    Platform.tiktok: "TikTok",
    Platform.note: "note",
    Platform.other: "その他",
}


class ContractType(StrEnum):
    """How the municipality is bound: the provider's standard terms (約款型) or an individual contract."""

    terms_of_use = "terms_of_use"
    individual = "individual"


CONTRACT_TYPE_LABELS: dict[str, str] = {
    ContractType.terms_of_use: "約款型（利用規約への同意）",
    ContractType.individual: "個別契約",
}


class DataLocation(StrEnum):
    """Where the service keeps the data."""

    domestic = "domestic"
    overseas = "overseas"
    unknown = "unknown"


DATA_LOCATION_LABELS: dict[str, str] = {
    DataLocation.domestic: "国内",
    DataLocation.overseas: "国外",
    DataLocation.unknown: "不明",
}


class IsmapRegistration(StrEnum):
    """The service's registration in the government cloud scheme."""

    none = "none"
    ismap = "ismap"
    ismap_liu = "ismap_liu"


ISMAP_LABELS: dict[str, str] = {
    IsmapRegistration.none: "登録なし",
    IsmapRegistration.ismap: "ISMAP",
    IsmapRegistration.ismap_liu: "ISMAP-LIU",
}


class Regime(StrEnum):
    """Which rules apply: the full flow for 機密性2以上, the 約款型 flow for public information only."""

    full = "full"
    low = "low"


REGIME_LABELS: dict[str, str] = {
    Regime.full: "機密性2以上を取り扱う外部サービス",
    Regime.low: "機密性2以上を取り扱わない外部サービス（約款型）",
}


class ServiceStatus(StrEnum):
    """Where a service stands in its lifecycle."""

    registered = "registered"
    approved = "approved"
    operating = "operating"
    ended = "ended"


SERVICE_STATUS_LABELS: dict[str, str] = {
    ServiceStatus.registered: "未承認",
    ServiceStatus.approved: "承認済み（構築確認前）",
    ServiceStatus.operating: "運用中",
    ServiceStatus.ended: "利用終了",
}


class ApplicationStatus(StrEnum):
    """Where a usage application (利用申請) stands."""

    draft = "draft"
    submitted = "submitted"
    under_review = "under_review"
    approved = "approved"
    rejected = "rejected"
    returned = "returned"


APPLICATION_STATUS_LABELS: dict[str, str] = {
    ApplicationStatus.draft: "下書き",
    ApplicationStatus.submitted: "申請済み",
    ApplicationStatus.under_review: "審査中",
    ApplicationStatus.approved: "承認",
    ApplicationStatus.rejected: "却下",
    ApplicationStatus.returned: "差戻し",
}


class RecordKind(StrEnum):
    """Kinds of lifecycle records kept by the service's administrator."""

    build = "build"
    review = "review"
    exit = "exit"
    terms_change = "terms_change"


RECORD_KIND_LABELS: dict[str, str] = {
    RecordKind.build: "構築時の対策確認",
    RecordKind.review: "定期確認（運用・保守時）",
    RecordKind.exit: "終了時の対策確認",
    RecordKind.terms_change: "利用規約の変更",
}
