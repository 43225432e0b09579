"""Personal data in a draft post: マイナンバー, phone numbers, e-mail addresses and postal addresses (pure).

Detection runs on the NFKC form of the text (full-width digits and ＠ become ASCII), and every match is mapped back
to its place in the text as typed, so a page can show where it is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SEPARATORS = " \u00a0\t-‐‑‒–—―−ー"
"""Characters people put between digit groups (after NFKC: full-width spaces and hyphens are already ASCII)."""

_SEP = f"[{re.escape(SEPARATORS)}]"
_DASH = "[-‐‑‒–—―−ー]"
_DIGIT_RUN = re.compile(rf"(?<![0-9+])(?<![0-9]{_DASH})[0-9](?:{_SEP}{{0,3}}[0-9])*(?![0-9])")
_PHONE = re.compile(
    rf"(?<![0-9])(?<![0-9]{_DASH})(?:\+81{_SEP}?\(?0?\)?|\(0|0)[0-9]{{1,4}}(?:\)|{_SEP}){{0,2}}[0-9]{{1,4}}"
    rf"(?:\)|{_SEP}){{0,2}}[0-9]{{3,4}}(?![0-9])(?!{_DASH}[0-9])"
)
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_NUM = "(?:[0-9]+|[一二三四五六七八九十〇百千]+)"
_HYPHEN = "[-‐‑−ー]"
_ADDRESS = re.compile(
    "|".join(
        (
            rf"〒\s?[0-9]{{3}}{_HYPHEN}?[0-9]{{4}}",  # postal code
            rf"{_NUM}丁目(?:\s?{_NUM}(?:番地?|{_HYPHEN}|の)(?:\s?{_NUM}号?)?)?",  # 広見一丁目1番地, 1丁目2-3
            rf"{_NUM}番地(?:(?:{_HYPHEN}|の){_NUM})?(?:{_NUM}号)?",  # 123番地, 123番地の4
            rf"{_NUM}番{_NUM}号",  # 2番3号
            # 広見1-1: numbers joined by hyphens right after a place name
            rf"(?<=[一-龯々ヶァ-ヶ])[1-9][0-9]{{0,3}}{_HYPHEN}[0-9]{{1,4}}(?:{_HYPHEN}[0-9]{{1,4}})?(?![0-9])",
        )
    )
)


def mynumber_check_digit(base11: str) -> int:
    """Compute the check digit of a マイナンバー (個人番号) from its first 11 digits.

    The rule of 行政手続における特定の個人を識別するための番号の利用等に関する法律施行令 第8条:
    11 − (Σ Pn × Qn mod 11), where Pn is the n-th of the 11 digits counted from the right and Qn is n + 1 for
    1 ≤ n ≤ 6 and n − 5 for 7 ≤ n ≤ 11; when Σ mod 11 is 0 or 1 the check digit is 0.

    Raises:
        ValueError: when ``base11`` is not 11 ASCII digits.
    """
    if not re.fullmatch(r"[0-9]{11}", base11):  # ASCII only: \d would also accept other scripts' digits
        raise ValueError("the base number must be 11 digits")
    total = sum(int(p) * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(reversed(base11), start=1))
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_valid_mynumber(digits: str) -> bool:
    """Tell whether 12 ASCII digits form a マイナンバー with a correct check digit."""
    return bool(re.fullmatch(r"[0-9]{12}", digits)) and mynumber_check_digit(digits[:11]) == int(digits[11])


def digits_of(text: str) -> str:
    """The ASCII digits of a text after NFKC (full-width digits included), in order."""
    return re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class Match:
    """A piece of personal data found in the text (offsets into the text as typed)."""

    kind: str
    start: int
    end: int
    text: str


class NormalizedText:
    """The NFKC form of a text with, for every character, the index of the typed character it came from."""

    def __init__(self, text: str) -> None:
        self.original = text
        chars: list[str] = []
        origin: list[int] = []
        for i, ch in enumerate(text):
            for n in unicodedata.normalize("NFKC", ch):
                chars.append(n)
                origin.append(i)
        self.text = "".join(chars)
        self._origin = origin

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalized text back to the typed text."""
        if start >= len(self._origin):
            return len(self.original), len(self.original)
        return self._origin[start], self._origin[end - 1] + 1

    def match(self, kind: str, start: int, end: int) -> Match:
        """A Match for a span of the normalized text."""
        s, e = self.span(start, end)
        return Match(kind, s, e, self.original[s:e])


def _twelve_digit_numbers(text: str) -> list[tuple[int, int]]:
    """Spans of 12-digit numbers: a run of digit groups with 12 digits in all, or a 12-digit word of a longer run.

    ``1234 5678 9018`` and ``1234-5678-9018`` are one number; in ``123456789018 090-1234-5678`` the first word is; in
    ``1234-5678-9018-1234`` (16 digits joined by hyphens) no 12 digits are, since the groups belong together.
    """
    spans: list[tuple[int, int]] = []
    for run in _DIGIT_RUN.finditer(text):
        if len(digits_of(run.group(0))) == 12:
            spans.append((run.start(), run.end()))
            continue
        for word in re.finditer(rf"[0-9](?:{_DASH}{{0,3}}[0-9])*", run.group(0)):
            if len(digits_of(word.group(0))) == 12:
                spans.append((run.start() + word.start(), run.start() + word.end()))
    return spans


def find_personal_data(text: str) -> list[Match]:
    """Find マイナンバー (valid check digit only), phone numbers, e-mail addresses and postal addresses.

    A 12-digit number whose check digit is wrong is not reported as a マイナンバー. Spans never overlap: a span
    taken by an earlier kind (in the order above) is not reported again as a later one.
    """
    norm = NormalizedText(text)
    found: list[Match] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, start: int, end: int) -> None:
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        found.append(norm.match(kind, start, end))

    for start, end in _twelve_digit_numbers(norm.text):
        if is_valid_mynumber(digits_of(norm.text[start:end])):
            add("mynumber", start, end)
        else:
            taken.append((start, end))  # a 12-digit number is not a phone number either
    for m in _PHONE.finditer(norm.text):
        digits = digits_of(m.group(0))
        national = "0" + digits[2:].lstrip("0") if m.group(0).startswith("+81") else digits
        if 10 <= len(national) <= 11:
            add("phone", m.start(), m.end())
    for m in _EMAIL.finditer(norm.text):
        add("email", m.start(), m.end())
    for m in _ADDRESS.finditer(norm.text):
        add("address", m.start(), m.end())
    return sorted(found, key=lambda f: f.start)


def mask(kind: str, text: str) -> str:
    """Show a found value without repeating it whole (the middle digits of a マイナンバー are hidden)."""
    if kind != "mynumber":
        return text
    seen = 0
    out = []
    for ch in text:
        if unicodedata.normalize("NFKC", ch).isdigit():
            seen += 1
            out.append(ch if seen <= 2 or seen > 10 else "＊")
        else:
            out.append(ch)
    return "".join(out)
