"""The 事故報告書（第一報） a contractor fills in through its link (様式第10号, forms/form-10-incident.yaml).

The fields follow the 様式: 発生日時, 発覚日時, 概要, 対象となる情報と本人の数, 個人情報・特定個人情報の有無, 二次被害の
おそれ, 講じた措置, 連絡先. Files come with it as multipart.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from governance.incidents.schemas import People, Time
from governance.schema import Date, MultiLine, RequiredLine, RequiredText, SingleLine, Struct


class IncidentReportForm(Struct, kw_only=True):
    """The contractor's 第一報 (unchecked boxes are 'no' or 'not known yet')."""

    occurred_on: Annotated[Date | None, msgspec.Meta(title="発生日")] = None
    occurred_time: Time = ""
    discovered_on: Annotated[Date, msgspec.Meta(title="発覚日")]
    discovered_time: Time = ""
    summary: Annotated[RequiredText, msgspec.Meta(title="概要（発生場所、経緯及び原因）", max_length=4000)]
    data_description: Annotated[SingleLine, msgspec.Meta(title="対象となる情報", max_length=500)] = ""
    personal_info: bool = False
    sensitive_info: bool = False
    specific_personal_info: bool = False
    people_min: Annotated[People | None, msgspec.Meta(title="本人の数")] = None
    people_max: Annotated[People | None, msgspec.Meta(title="本人の数（範囲の上限）")] = None
    unauthorised_purpose: bool = False
    property_damage: bool = False
    containment: Annotated[MultiLine, msgspec.Meta(title="講じた措置", max_length=4000)] = ""
    reporter_name: Annotated[RequiredLine, msgspec.Meta(title="報告者の氏名", max_length=100)]
    reporter_org: Annotated[SingleLine, msgspec.Meta(title="所属（会社名・部署）", max_length=200)] = ""
    reporter_phone: Annotated[SingleLine, msgspec.Meta(title="電話番号", max_length=30)] = ""
    reporter_email: Annotated[SingleLine, msgspec.Meta(title="連絡先メールアドレス", max_length=254)] = ""


MULTILINE = frozenset({"summary", "containment"})
