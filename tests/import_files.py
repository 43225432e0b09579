"""Lists to import in tests: valid 法人番号, a 30-row 業者台帳 as CSV or .xlsx, engagements with 和暦 dates."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from governance.contractors.corporate_number import check_digit

CONTRACTOR_HEADERS = [
    "法人番号", "名称", "フリガナ", "所在地", "代表者", "状態", "備考",
    "認証1の種類", "認証1の登録番号", "認証1の有効期間（開始）", "認証1の有効期間（終了）",
    "認証2の種類", "認証2の登録番号", "認証2の有効期間（終了）",
]  # fmt: skip


def corporate_number(n: int) -> str:
    """A valid 法人番号 (check digit included) made from a serial number."""
    base = f"{7010001000000 + n:012d}"[-12:]
    return f"{check_digit(base)}{base}"


def wrong_check_digit(number: str) -> str:
    """The same 法人番号 with a check digit that does not match."""
    return f"{(int(number[0]) + 1) % 10}{number[1:]}"


def ledger_rows(count: int = 30, *, bad_row: int | None = None) -> list[list[str]]:
    """A 業者台帳 of ``count`` contractors; ``bad_row`` (a spreadsheet row number, 2 = first) gets a wrong 法人番号."""
    rows = []
    for i in range(count):
        number = corporate_number(i + 1)
        if bad_row == i + 2:
            number = wrong_check_digit(number)
        second = ["プライバシーマーク", f"P-{i:04d}", "令和9年3月31日"] if i % 3 == 0 else ["", "", ""]
        rows.append([
            number, f"株式会社取込テスト{i + 1:02d}", f"トリコミテスト{i + 1:02d}", f"みどり市中央{i + 1}-1",
            "代表取締役 取込 太郎", "取引中" if i % 2 else "候補", "",
            "ISMS（ISO/IEC 27001）", f"IS {600000 + i}", "R7.4.1", "2028/3/31", *second,
        ])  # fmt: skip
    return rows


def as_csv(headers: list[str], rows: list[list[str]], *, encoding: str = "utf-8-sig") -> bytes:
    """The list as a CSV file in the given encoding (Excel's CSV is CRLF)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def as_xlsx(headers: list[str], rows: list[list[object]]) -> bytes:
    """The list as an .xlsx workbook (first sheet)."""
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


ENGAGEMENT_HEADERS = [
    "業務名", "所管課", "履行期間（開始）", "履行期間（終了）", "業務の種類", "作業場所", "機密性", "個人情報",
    "再委託", "再委託先", "更新", "契約金額（税込・円）",
]  # fmt: skip


def engagement_rows(department: str) -> list[list[str]]:
    """Three engagements of a department, dates written as clerks write them."""
    return [
        ["窓口受付業務", department, "令和8年4月1日", "令和9年3月31日", "窓口・コールセンター・事務補助", "甲の庁舎内",
         "機密性2", "はい", "いいえ", "", "更新なし", "1,234,567"],
        ["基幹システム運用保守業務", department, "R8.4.1", "R9.3.31",
         "システム運用・保守、クラウドサービス（SaaS等）の提供", "乙の施設、リモート", "自治体機密性3B",
         "はい", "はい", "株式会社下請システム", "自動更新", "9800000"],
        ["広報紙印刷業務", department, "2026/4/1", "2027-03-31", "印刷・封入封緘・発送", "乙の施設", "", "いいえ",
         "いいえ", "", "", ""],
    ]  # fmt: skip
