"""法人番号 (corporate number): 13 digits, the first being a check digit over the other twelve (pure)."""

from __future__ import annotations

import re
import unicodedata


def normalize_corporate_number(value: str) -> str:
    """Turn full-width digits into ASCII and drop spaces and hyphens people type for readability."""
    return re.sub(r"[\s\-‐‑‒–—―−－ー]", "", unicodedata.normalize("NFKC", value))


def check_digit(base12: str) -> int:
    """Compute the check digit for the 12-digit base number.

    The rule of 法人番号の指定等に関する省令 第2条: 9 − (Σ Pn × Qn mod 9), where Pn is the n-th digit counted from the
    right of the base number and Qn is 1 for odd n and 2 for even n.

    Raises:
        ValueError: when ``base12`` is not 12 digits.
    """
    if not re.fullmatch(r"[0-9]{12}", base12):  # ASCII only: \d would also accept other scripts' digits
        raise ValueError("the base number must be 12 digits")
    total = sum(int(d) * (1 if n % 2 == 1 else 2) for n, d in enumerate(reversed(base12), start=1))
    return 9 - total % 9


def corporate_number_problem(value: str) -> str | None:
    """Return why a (normalized) corporate number is invalid, in Japanese, or None when it is valid."""
    if not re.fullmatch(r"[0-9]{13}", value):
        return "法人番号は13桁の数字で入力してください。"
    if int(value[0]) != check_digit(value[1:]):
        return "法人番号の検査用数字（先頭の1桁）が一致しません。番号に誤りがないか確認してください。"
    return None
