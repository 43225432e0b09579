"""Whether a leak must be reported to the 個人情報保護委員会, why, and by when (pure: no database, no web).

A municipality is a 行政機関等 under the 個人情報の保護に関する法律 (法). Its duties on a leak (漏えい, 滅失 or 毀損 of
保有個人情報, or its おそれ):

* 法第68条第1項 — report to the 委員会 when the leak is one the 施行規則 (規則) names as likely to harm the people's
  rights and interests. 規則第43条 names them (text checked against the stored 規則 text, iuris.jp article 43):
  第1号 要配慮個人情報 (unless 高度な暗号化 etc.); 第2号 不正に利用されることにより財産的被害が生じるおそれ;
  第3号 不正の目的をもって行われたおそれがある当該行政機関等に対する行為による漏えい等; 第4号 本人の数が百人を超える;
  第5号 条例要配慮個人情報 (only where the municipality's ordinance defines it).
* 規則第44条 — the report: 速報 "速やかに" after knowing (第1項, the items known at the time), 確報 within 30 days of
  the day the 事態 became known, 60 days where it is a 第43条第3号 事態 (第2項). The stored texts found hold the
  same rule for 個人情報取扱事業者 (規則第8条第1項・第2項, checked); the 行政機関等 text of 第44条 itself was not
  found in the stored references, so its periods are the named constants below, to be corrected if they differ.
* 法第68条第2項 — notify the people concerned; the notice is given "当該事態の状況に応じて速やかに" (規則第45条;
  the stored text checked is the 事業者 counterpart, 規則第10条, items 第8条第1項第1号・第2号・第4号・第5号・第9号).
  Exceptions (ただし書 and its 号): the notice is difficult and a substitute measure protecting the people is taken
  (e.g. 公表), or the information is of a kind that would not be disclosed to the person (不開示情報) — the latter
  wording was not found in the stored texts; it is stated in the deadline's note for the officer to judge.
* 番号法第29条の4第1項 — leaks of 特定個人情報 are reported under the 番号法 and the 委員会's 特定個人情報の漏えい等
  に関する報告等に関する規則 (番号法規則). 番号法規則第2条第1号 (checked: 特定個人情報 recorded in the 情報提供ネット
  ワークシステム, the systems used for 個人番号利用事務 / 個人番号関係事務 …) makes almost every 特定個人情報 a
  municipality holds electronically reportable; 第2号 (不正の目的) and 第4号 (本人の数が百人を超える) are as the
  委員会's report form reads (the stored form lists 101人以上, 不特定多数の閲覧, 不正の目的); their exact wording and
  the periods of 番号法規則第3条 (速報 速やかに, 確報 30日 / 60日) were not found in the stored texts: named constants.

The day count: 規則 says "知った日から三十日以内". The day the 事態 became known is not counted (民法第140条: a period
in days does not count its first day unless it starts at midnight), so the 確報 is due on 知った日 + 30 days. The
clock starts when any part of the municipality knows (委員会 Q&A 行政機関等編 Q3-4-1, on 事務対応ガイド 4-4-1(7)):
``discovered_at`` converted to the Japan date. Calendar days, weekends and holidays included; but a deadline that
falls on a 行政機関の休日 (土曜日・日曜日, 国民の祝日に関する法律に規定する休日, 12月29日〜1月3日) moves to the next day
that is not one: 行政機関の休日に関する法律第2条 (checked) makes the next day the deadline of a 届出その他の行為 owed to
a 国の行政庁 within a period set by a law or an order under it, and the 委員会 is one.

"More than 100" (第43条第4号): a range of people counts at its upper end. The rule covers a leak that "発生したおそれ
がある", so while the count is known only as a range, the people it may concern are the upper end; 100–120 is
therefore a report, and it stays one until the range is narrowed to 100 or fewer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from governance.calendar import TOKYO, is_business_day, wareki

# 規則第43条第4号: 本人の数が「百人を超える」.
PEOPLE_THRESHOLD = 100
# 番号法規則第2条第4号 (as the 委員会's form reads: 101人以上) — wording not found in the stored texts.
MN_PEOPLE_THRESHOLD = 100
# 規則第44条第2項 (checked against 規則第8条第2項, its 事業者 counterpart): 30日以内, 60日以内 for 第43条第3号.
FINAL_REPORT_DAYS = 30
FINAL_REPORT_DAYS_UNAUTHORISED = 60
# 番号法規則第3条 — not found in the stored texts; the 個情法 periods are used until it is checked.
MN_FINAL_REPORT_DAYS = 30
MN_FINAL_REPORT_DAYS_UNAUTHORISED = 60
# 速報 "速やかに": the 委員会's guidance for 事業者 gives 概ね3〜5日 as a yardstick (found in stored commentary on the
# 通則編ガイドライン); shown as a target in the note, never as a legal deadline.
PRELIMINARY_TARGET_DAYS = 5
# 民法第140条: the first day is not counted.
COUNT_FIRST_DAY = False
# 行政機関の休日に関する法律第2条: a deadline on a 行政機関の休日 moves to the next day.
HOLIDAY_MOVES_DEADLINE = True

LAW = "個人情報の保護に関する法律"
RULES = "個人情報の保護に関する法律施行規則"
MN_LAW = "行政手続における特定の個人を識別するための番号の利用等に関する法律（番号法）"
MN_RULES = "特定個人情報の漏えい等に関する報告等に関する規則"

# code → (text, citation); the order is the order of the 号.
REASONS: dict[str, tuple[str, str]] = {
    "sensitive": (
        "要配慮個人情報が含まれる保有個人情報の漏えい等（そのおそれを含みます）です。",
        f"{LAW}第68条第1項、{RULES}第43条第1号",
    ),
    "property_damage": (
        "不正に利用されることにより財産的被害が生じるおそれがある保有個人情報の漏えい等です。",
        f"{LAW}第68条第1項、{RULES}第43条第2号",
    ),
    "unauthorised": (
        "不正の目的をもって行われたおそれがある行為（不正アクセス、盗難など）による漏えい等です。",
        f"{LAW}第68条第1項、{RULES}第43条第3号",
    ),
    "people": (
        f"漏えい等に係る本人の数が{PEOPLE_THRESHOLD}人を超えます（人数に幅があるときは上限で判断します）。",
        f"{LAW}第68条第1項、{RULES}第43条第4号",
    ),
    "ordinance_sensitive": (
        "条例要配慮個人情報が含まれる保有個人情報の漏えい等です（条例で定めている場合に限ります）。",
        f"{LAW}第68条第1項、{RULES}第43条第5号",
    ),
    "mn_system": (
        "特定個人情報の漏えい等です（情報提供ネットワークシステム又は個人番号利用事務・個人番号関係事務の"
        "情報システムで管理されるもの。紙だけの場合は該当しないことがあるため確認してください）。",
        f"{MN_LAW}第29条の4第1項、{MN_RULES}第2条第1号",
    ),
    "mn_unauthorised": (
        "不正の目的をもって行われたおそれがある特定個人情報の漏えい等です。",
        f"{MN_LAW}第29条の4第1項、{MN_RULES}第2条第2号",
    ),
    "mn_people": (
        f"漏えい等が発生したおそれがある特定個人情報に係る本人の数が{MN_PEOPLE_THRESHOLD}人を超えます。",
        f"{MN_LAW}第29条の4第1項、{MN_RULES}第2条第4号",
    ),
}


@dataclass(frozen=True)
class IncidentFacts:
    """The facts of an incident the rules read (field names are the Incident columns)."""

    kind: str
    discovered_at: dt.datetime
    personal_info: bool = False
    sensitive_info: bool = False
    ordinance_sensitive_info: bool = False
    specific_personal_info: bool = False
    people_min: int | None = None
    people_max: int | None = None
    unauthorised_purpose: bool = False
    property_damage: bool = False


@dataclass(frozen=True)
class Reason:
    """One rule that makes a report required: a code, what it says, and its legal citation."""

    code: str
    text: str
    citation: str


@dataclass(frozen=True)
class Deadline:
    """A deadline: its key, label, the last day (None where the law says 速やかに), a note and the citation."""

    key: str
    label: str
    due: dt.date | None
    note: str
    citation: str


@dataclass(frozen=True)
class Assessment:
    """The decision on an incident's facts."""

    report_required: bool
    reasons: tuple[Reason, ...] = ()
    deadlines: tuple[Deadline, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The assessment as JSON (stored in Incident.assessment)."""
        return {
            "report_required": self.report_required,
            "reasons": [{"code": r.code, "text": r.text, "citation": r.citation} for r in self.reasons],
            "deadlines": [
                {
                    "key": d.key,
                    "label": d.label,
                    "due": d.due.isoformat() if d.due else None,
                    "note": d.note,
                    "citation": d.citation,
                }
                for d in self.deadlines
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Assessment:
        """An assessment from its JSON ({} = not assessed yet)."""
        data = data or {}
        return cls(
            report_required=bool(data.get("report_required", False)),
            reasons=tuple(Reason(r["code"], r["text"], r["citation"]) for r in data.get("reasons", [])),
            deadlines=tuple(
                Deadline(
                    d["key"],
                    d["label"],
                    dt.date.fromisoformat(d["due"]) if d.get("due") else None,
                    d.get("note", ""),
                    d.get("citation", ""),
                )
                for d in data.get("deadlines", [])
            ),
        )

    def deadline(self, key: str) -> Deadline | None:
        """The deadline with this key, if any."""
        return next((d for d in self.deadlines if d.key == key), None)


def facts_of(row: Mapping[str, Any]) -> IncidentFacts:
    """The facts of an Incident row (a dict from Piccolo)."""
    discovered = row["discovered_at"]
    if isinstance(discovered, str):
        discovered = dt.datetime.fromisoformat(discovered)
    if discovered.tzinfo is None:
        discovered = discovered.replace(tzinfo=dt.UTC)
    return IncidentFacts(
        kind=str(row.get("kind") or ""),
        discovered_at=discovered,
        personal_info=bool(row.get("personal_info")),
        sensitive_info=bool(row.get("sensitive_info")),
        ordinance_sensitive_info=bool(row.get("ordinance_sensitive_info")),
        specific_personal_info=bool(row.get("specific_personal_info")),
        people_min=row.get("people_min"),
        people_max=row.get("people_max"),
        unauthorised_purpose=bool(row.get("unauthorised_purpose")),
        property_damage=bool(row.get("property_damage")),
    )


def discovered_on(facts: IncidentFacts) -> dt.date:
    """The day (Japan time) the municipality knew of the 事態: the day the legal clock starts."""
    return facts.discovered_at.astimezone(TOKYO).date()


def people_counted(facts: IncidentFacts) -> int | None:
    """The number of people the "more than N" tests read: the upper end of a range (see the module docstring)."""
    if facts.people_max is not None:
        return max(facts.people_max, facts.people_min or 0)
    return facts.people_min


def next_open_day(day: dt.date) -> dt.date:
    """The day itself, or the next day that is not a 行政機関の休日 (行政機関の休日に関する法律第1条第1項・第2条)."""
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    return day


def period_end(known: dt.date, days: int) -> tuple[dt.date, dt.date]:
    """The last day of a period of ``days`` days from the day ``known``: (as counted, after a 休日 moves it).

    民法第140条: the first day is not counted, so 30 days from 4月1日 end on 5月1日; 行政機関の休日に関する法律第2条
    moves a last day that falls on a 行政機関の休日 to the next day that is not one.
    """
    counted = known + dt.timedelta(days=days - 1 if COUNT_FIRST_DAY else days)
    return counted, next_open_day(counted) if HOLIDAY_MOVES_DEADLINE else counted


def _days_note(known: dt.date, days: int, counted: dt.date, due: dt.date) -> str:
    note = f"事態を知った日（{wareki(known)}）の翌日から起算して{days}日以内です（土日・祝日を含む暦日）。"
    if due != counted:
        note += (
            f"{days}日目の{wareki(counted)}が行政機関の休日に当たるため、その翌日以後の最初の開庁日が期限です"
            "（行政機関の休日に関する法律第2条）。"
        )
    return note


def _reasons(facts: IncidentFacts) -> list[Reason]:
    """The 規則第43条 and 番号法規則第2条 事態 the facts meet, in the order of the 号."""
    codes: list[str] = []
    personal = (
        facts.personal_info or facts.sensitive_info or facts.ordinance_sensitive_info or facts.specific_personal_info
    )
    people = people_counted(facts)
    if personal:
        if facts.sensitive_info:
            codes.append("sensitive")
        if facts.property_damage:
            codes.append("property_damage")
        if facts.unauthorised_purpose:
            codes.append("unauthorised")
        if people is not None and people > PEOPLE_THRESHOLD:
            codes.append("people")
        if facts.ordinance_sensitive_info:
            codes.append("ordinance_sensitive")
    if facts.specific_personal_info:
        codes.append("mn_system")
        if facts.unauthorised_purpose:
            codes.append("mn_unauthorised")
        if people is not None and people > MN_PEOPLE_THRESHOLD:
            codes.append("mn_people")
    return [Reason(code, *REASONS[code]) for code in codes]


def preliminary_target(facts: IncidentFacts) -> dt.date:
    """A target day for the 速報 (not a legal deadline: the law says 速やかに)."""
    return discovered_on(facts) + dt.timedelta(days=PRELIMINARY_TARGET_DAYS)


def assess(facts: IncidentFacts) -> Assessment:
    """Decide whether a report to the 委員会 is required, why (each rule cited) and by when."""
    reasons = _reasons(facts)
    if not reasons:
        return Assessment(report_required=False)
    known = discovered_on(facts)
    target = wareki(preliminary_target(facts))
    codes = {r.code for r in reasons}
    deadlines: list[Deadline] = []
    if codes - {"mn_system", "mn_unauthorised", "mn_people"}:
        days = FINAL_REPORT_DAYS_UNAUTHORISED if "unauthorised" in codes else FINAL_REPORT_DAYS
        counted, due = period_end(known, days)
        deadlines += [
            Deadline(
                "preliminary",
                "個人情報保護委員会への速報",
                None,
                "事態を知った後、速やかに、その時点で把握している事項を報告します（期間の定めはありません）。"
                f"目安として{target}までに報告してください。",
                f"{LAW}第68条第1項、{RULES}第44条第1項",
            ),
            Deadline(
                "final",
                "個人情報保護委員会への確報",
                due,
                _days_note(known, days, counted, due)
                + (
                    "不正の目的によるおそれがあるため60日です（規則第43条第3号の事態）。"
                    if days != FINAL_REPORT_DAYS
                    else ""
                ),
                f"{LAW}第68条第1項、{RULES}第44条第2項",
            ),
            Deadline(
                "notify_individuals",
                "本人への通知",
                None,
                "当該事態の状況に応じて速やかに、概要、保有個人情報の項目、原因、二次被害又はそのおそれの有無及び"
                "その内容、その他参考となる事項を通知します。通知が困難な場合で本人の権利利益を保護するため必要な"
                "これに代わるべき措置（公表など）をとるとき、又は不開示情報が含まれるときは、この限りではありません。",
                f"{LAW}第68条第2項、{RULES}第45条",
            ),
        ]
    if "mn_system" in codes:
        days = MN_FINAL_REPORT_DAYS_UNAUTHORISED if "mn_unauthorised" in codes else MN_FINAL_REPORT_DAYS
        counted, due = period_end(known, days)
        deadlines += [
            Deadline(
                "mn_preliminary",
                "特定個人情報の漏えい等の速報（番号法）",
                None,
                f"事態を知った後、速やかに報告します。目安として{target}までに報告してください。",
                f"{MN_LAW}第29条の4第1項、{MN_RULES}第3条第1項",
            ),
            Deadline(
                "mn_final",
                "特定個人情報の漏えい等の確報（番号法）",
                due,
                _days_note(known, days, counted, due),
                f"{MN_LAW}第29条の4第1項、{MN_RULES}第3条第2項",
            ),
        ]
        if not any(d.key == "notify_individuals" for d in deadlines):
            deadlines.append(
                Deadline(
                    "notify_individuals",
                    "本人への通知",
                    None,
                    "当該事態の状況に応じて速やかに通知します（通知が困難な場合は、これに代わるべき措置をとります）。",
                    f"{MN_LAW}第29条の4第2項",
                )
            )
    return Assessment(report_required=True, reasons=tuple(reasons), deadlines=tuple(deadlines))
