"""Unit tests for 法人番号 (corporate number) normalization and check-digit validation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.contractors.corporate_number import check_digit, corporate_number_problem, normalize_corporate_number

LENGTH_MESSAGE = "法人番号は13桁の数字で入力してください。"
CHECK_MESSAGE = "法人番号の検査用数字（先頭の1桁）が一致しません。番号に誤りがないか確認してください。"

ASCII_DIGITS = "0123456789"
bases = st.text(alphabet=ASCII_DIGITS, min_size=12, max_size=12)


def reference_check_digit(base12: str) -> int:
    """An independent reading of 法人番号の指定等に関する省令 第2条, written differently from the code under test.

    Weights are taken from the left (the leftmost of the 12 digits is P12, an even position, so weight 2, and the
    weights alternate 2, 1, 2, 1, …), and the check digit is the unique digit 1–9 that brings the weighted sum to a
    multiple of 9, which is what 9 − (Σ mod 9) means.
    """
    assert len(base12) == 12
    weighted = 0
    for i, ch in enumerate(base12):
        weighted += (ord(ch) - ord("0")) * (2 if i % 2 == 0 else 1)
    (digit,) = [d for d in range(1, 10) if (weighted + d) % 9 == 0]
    return digit


def with_check_digit(base12: str) -> str:
    return f"{reference_check_digit(base12)}{base12}"


valid_numbers = bases.map(with_check_digit)


# --- check_digit ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "owner"),
    [
        ("7000012050002", "国税庁"),  # the example the brief gives
        # The next two check digits were computed with reference_check_digit (and the test re-derives them), not
        # recalled: a central-government style base and a company-style base (登記所 1803, serial 01018771).
        ("2000012010019", "central-government style base"),
        ("1180301018771", "company-style base"),
    ],
)
def test_check_digit_matches_known_numbers(number: str, owner: str) -> None:
    assert reference_check_digit(number[1:]) == int(number[0]), owner
    assert check_digit(number[1:]) == int(number[0]), owner
    assert corporate_number_problem(number) is None, owner


def test_check_digit_of_national_tax_agency_is_seven() -> None:
    assert check_digit("000012050002") == 7
    assert reference_check_digit("000012050002") == 7


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        # Σ = 0 → 9 − 0 = 9: the check digit is never 0.
        ("000000000000", 9),
        # P1 = 1 (weight 1) → Σ = 1 → 8.
        ("000000000001", 8),
        # P2 = 1 (weight 2) → Σ = 2 → 7: the second digit from the right weighs double.
        ("000000000010", 7),
        # P12 = 1 (leftmost, even position, weight 2) → 7.
        ("100000000000", 7),
        # P11 = 1 (odd position, weight 1) → 8.
        ("010000000000", 8),
        # all nines: Σ = 9 × (6 × 1 + 6 × 2) = 162 ≡ 0 → 9.
        ("999999999999", 9),
        # all ones: Σ = 6 × 1 + 6 × 2 = 18 ≡ 0 → 9.
        ("111111111111", 9),
        # P1 = 8 → Σ = 8 → 1; P1 = 4, P2 = 2 → 4 + 4 = 8 → 1.
        ("000000000008", 1),
        ("000000000024", 1),
    ],
)
def test_check_digit_weights_digits_from_the_right(base: str, expected: int) -> None:
    assert check_digit(base) == expected


@given(bases)
def test_check_digit_agrees_with_an_independent_implementation(base: str) -> None:
    assert check_digit(base) == reference_check_digit(base)


@given(bases)
def test_check_digit_is_between_one_and_nine(base: str) -> None:
    assert 1 <= check_digit(base) <= 9


@pytest.mark.parametrize(
    "base",
    [
        "",
        "00001205000",  # 11 digits
        "0000120500020",  # 13 digits
        "00001205000a",
        "0000-1205000",
        "000012050002 ",
        " 000012050002",
        "000012050002\n",
        "－００００１２０５０００",
        "-00001205000",
        "+00001205000",
        "0000120500.2",
    ],
)
def test_check_digit_refuses_anything_but_twelve_digits(base: str) -> None:
    with pytest.raises(ValueError, match="12 digits"):
        check_digit(base)


@pytest.mark.parametrize("base", ["００００１２０５０００２", "٠٠٠٠١٢٠٥٠٠٠٢", "०००0१२०५०००२"])
def test_check_digit_refuses_non_ascii_digits(base: str) -> None:
    with pytest.raises(ValueError, match="12 digits"):
        check_digit(base)


# --- error detection -----------------------------------------------------------------------------------------------


@given(valid_numbers, st.integers(min_value=0, max_value=12), st.sampled_from(ASCII_DIGITS))
def test_single_digit_changes_are_detected_except_zero_nine_swaps_in_the_base(
    number: str, position: int, digit: str
) -> None:
    """Any change of one digit is caught, except 0 ↔ 9 in the base, which the official rule cannot see.

    The rule works modulo 9 and the weights 1 and 2 are prime to 9, so changing a base digit by δ shifts the sum by
    δ or 2δ, which vanishes mod 9 only when δ = ±9, i.e. when a 0 becomes a 9 or a 9 becomes a 0. The check digit
    itself is never 0 and is uniquely determined, so any change to it is caught.
    """
    original = number[position]
    if digit == original:
        return
    changed = number[:position] + digit + number[position + 1 :]
    undetectable = position > 0 and {original, digit} == {"0", "9"}
    if undetectable:
        assert corporate_number_problem(changed) is None
    else:
        assert corporate_number_problem(changed) == CHECK_MESSAGE


def test_zero_nine_substitution_is_an_example_the_rule_cannot_detect() -> None:
    # 国税庁 7000012050002 with its second digit 0 → 9: the weighted sum moves by 9 × 2 = 18 ≡ 0 (mod 9).
    assert corporate_number_problem("7900012050002") is None
    # … whereas 0 → 8 in the same place is detected.
    assert corporate_number_problem("7800012050002") == CHECK_MESSAGE


@given(valid_numbers, st.integers(min_value=1, max_value=11))
def test_adjacent_transpositions_in_the_base_are_detected_except_zero_nine(number: str, position: int) -> None:
    """Swapping two adjacent base digits a, b shifts the sum by ±(a − b) (weights 1 and 2 are adjacent).

    That is 0 mod 9 only when a − b = ±9, so the rule catches every adjacent transposition of differing digits
    except swapping a 0 with a 9 (the official rule's known blind spot, not a bug of the code).
    """
    a, b = number[position], number[position + 1]
    swapped = number[:position] + b + a + number[position + 2 :]
    if a == b or {a, b} == {"0", "9"}:  # nothing changed, or the 0/9 blind spot
        assert corporate_number_problem(swapped) is None
    else:
        assert corporate_number_problem(swapped) == CHECK_MESSAGE


@pytest.mark.parametrize(
    ("swapped", "detected"),
    [
        ("7000010250002", True),  # …12050… → …10250…: 2 and 0 swapped
        ("7000021050002", True),  # 1 and 2 swapped
        ("7000012050020", True),  # the last two digits swapped
        ("0700012050002", True),  # the check digit swapped with the first base digit
    ],
)
def test_transposition_examples_on_the_national_tax_agency_number(swapped: str, detected: bool) -> None:
    assert (corporate_number_problem(swapped) is not None) is detected


def test_zero_nine_transposition_goes_undetected() -> None:
    base = "000000000090"
    number = with_check_digit(base)
    swapped = number[0] + "000000000009"
    assert corporate_number_problem(number) is None
    assert corporate_number_problem(swapped) is None  # the rule's blind spot


# --- normalize_corporate_number ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7000012050002", "7000012050002"),
        ("７００００１２０５０００２", "7000012050002"),  # full-width digits
        ("7 0000 1205 0002", "7000012050002"),  # ASCII spaces
        ("7　0000　1205　0002", "7000012050002"),  # ideographic (full-width) spaces
        (" 7000012050002 ", "7000012050002"),
        ("\t7000012050002\n", "7000012050002"),
        ("7-0000-1205-0002", "7000012050002"),  # ASCII hyphen-minus
        ("7‐0000‐1205‐0002", "7000012050002"),  # U+2010 HYPHEN
        ("7‑0000‑1205‑0002", "7000012050002"),  # U+2011 NON-BREAKING HYPHEN (NFKC → U+2010)
        ("７－００００－１２０５－０００２", "7000012050002"),  # U+FF0D FULLWIDTH HYPHEN-MINUS (Windows IME)
        ("7ー0000ー1205ー0002", "7000012050002"),  # U+30FC 長音符, what a kana-mode IME types for "-"
        ("7ｰ0000ｰ1205ｰ0002", "7000012050002"),  # U+FF70 half-width 長音符
        ("7﹣0000﹣1205﹣0002", "7000012050002"),  # U+FE63 SMALL HYPHEN-MINUS
        ("", ""),
    ],
)
def test_normalize_drops_spaces_and_hyphens_and_folds_full_width_digits(typed: str, expected: str) -> None:
    assert normalize_corporate_number(typed) == expected


@pytest.mark.parametrize(
    "dash",
    [
        "−",  # U+2212 MINUS SIGN
        "―",  # U+2015 HORIZONTAL BAR (JIS ダッシュ)
        "—",  # U+2014 EM DASH
        "–",  # U+2013 EN DASH
    ],
)
def test_normalize_drops_other_dashes_people_type(dash: str) -> None:
    assert normalize_corporate_number(f"7{dash}0000{dash}1205{dash}0002") == "7000012050002"


def test_normalize_keeps_letters_and_other_symbols_for_validation_to_reject() -> None:
    assert normalize_corporate_number("7000.0120.50002") == "7000.0120.50002"
    assert normalize_corporate_number("T7000012050002") == "T7000012050002"  # インボイス登録番号 keeps its T


@given(valid_numbers, st.lists(st.sampled_from([" ", "　", "-", "‐", "－", "ー"]), min_size=13, max_size=13))
def test_normalize_recovers_a_number_from_any_separators(number: str, separators: list[str]) -> None:
    typed = "".join(d + s for d, s in zip(number, separators, strict=True))
    full_width = typed.translate(str.maketrans(ASCII_DIGITS, "０１２３４５６７８９"))
    assert normalize_corporate_number(typed) == number
    assert normalize_corporate_number(full_width) == number
    assert corporate_number_problem(normalize_corporate_number(full_width)) is None


# What people type into the field. (Over arbitrary Unicode the function is not idempotent — "A´" becomes "A" + a
# combining accent once the space NFKC produces is dropped, which NFKC then composes — but such input is rejected
# by corporate_number_problem either way, so it does not matter here.)
typed_text = st.text(alphabet="0123456789０１２３４５６７８９ 　-‐－ーｰTt.")


@given(typed_text)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize_corporate_number(text)
    assert normalize_corporate_number(once) == once


# --- corporate_number_problem --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7000012050002", None),
        ("", LENGTH_MESSAGE),
        ("700001205000", LENGTH_MESSAGE),  # 12 digits
        ("70000120500020", LENGTH_MESSAGE),  # 14 digits
        ("700001205000a", LENGTH_MESSAGE),  # 13 characters, one a letter
        ("7000-12050002", LENGTH_MESSAGE),  # not normalized
        ("7000012050002 ", LENGTH_MESSAGE),
        ("T700001205000", LENGTH_MESSAGE),
        ("6000012050002", CHECK_MESSAGE),  # check digit off by one
        ("8000012050002", CHECK_MESSAGE),
        ("0000012050002", CHECK_MESSAGE),  # a check digit of 0 never occurs
        ("7000012050003", CHECK_MESSAGE),  # last digit changed
    ],
)
def test_corporate_number_problem_explains_what_is_wrong(value: str, expected: str | None) -> None:
    assert corporate_number_problem(value) == expected


@given(valid_numbers)
def test_numbers_with_the_right_check_digit_have_no_problem(number: str) -> None:
    assert corporate_number_problem(number) is None


@given(bases, st.sampled_from("0123456789"))
def test_exactly_one_leading_digit_is_valid_for_each_base(base: str, lead: str) -> None:
    valid = int(lead) == reference_check_digit(base)
    assert (corporate_number_problem(lead + base) is None) is valid


@given(st.text(alphabet=ASCII_DIGITS).filter(lambda s: len(s) != 13))
def test_wrong_lengths_are_reported_as_length_problems(value: str) -> None:
    assert corporate_number_problem(value) == LENGTH_MESSAGE


@pytest.mark.parametrize("typed", ["٧٠٠٠٠١٢٠٥٠٠٠٢", "७००००१२०५०००२"])
def test_a_number_in_another_script_is_not_accepted_as_is(typed: str) -> None:
    normalized = normalize_corporate_number(typed)
    assert normalized == "7000012050002" or corporate_number_problem(normalized) is not None
