"""Unit tests for password hashing, the password rule and tokens."""

from __future__ import annotations

import hashlib
import re

import pytest
from argon2 import PasswordHasher

from governance.accounts.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    new_token,
    password_problem,
    token_digest,
    verify_password,
)

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def stored_hash() -> str:
    return hash_password(PASSWORD)


# --- hashing -------------------------------------------------------------------------------------------------------


def test_hash_is_argon2id_and_not_the_password(stored_hash: str) -> None:
    assert stored_hash.startswith("$argon2id$")
    assert PASSWORD not in stored_hash


def test_hashing_is_salted() -> None:
    assert hash_password(PASSWORD) != hash_password(PASSWORD)


def test_verify_accepts_the_right_password(stored_hash: str) -> None:
    assert verify_password(stored_hash, PASSWORD) is True


@pytest.mark.parametrize(
    "attempt",
    ["", "correct horse battery stapl", "Correct horse battery staple", PASSWORD + " ", "パスワード"],
)
def test_verify_refuses_a_wrong_password(stored_hash: str, attempt: str) -> None:
    assert verify_password(stored_hash, attempt) is False


def test_round_trip_with_japanese_password() -> None:
    password = "情報セキュリティ基本方針"
    assert verify_password(hash_password(password), password) is True


def test_verify_with_no_hash_returns_false() -> None:
    assert verify_password(None, PASSWORD) is False
    assert verify_password(None, "") is False


@pytest.mark.parametrize("bad_hash", ["", "not-a-hash", "$argon2id$v=19$garbage", "$2b$12$" + "a" * 53])
def test_verify_with_a_malformed_hash_returns_false(bad_hash: str) -> None:
    assert verify_password(bad_hash, PASSWORD) is False


def test_fresh_hash_needs_no_rehash(stored_hash: str) -> None:
    assert needs_rehash(stored_hash) is False


def test_hash_with_weaker_parameters_needs_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    assert needs_rehash(weak) is True
    assert verify_password(weak, PASSWORD) is True  # still verifies, so it can be upgraded at sign-in


# --- password rule -------------------------------------------------------------------------------------------------


TOO_SHORT = f"パスワードは{MIN_PASSWORD_LENGTH}文字以上にしてください。"
TOO_LONG = "パスワードは256文字以内にしてください。"
IS_USERNAME = "パスワードにユーザー名をそのまま使うことはできません。"
TOO_REPETITIVE = "同じ文字の繰り返しが多すぎます。推測されにくいパスワードにしてください。"


def test_minimum_length_is_ten() -> None:
    assert MIN_PASSWORD_LENGTH == 10


@pytest.mark.parametrize(
    ("password", "username", "problem"),
    [
        ("", "", TOO_SHORT),
        ("abcdefghi", "", TOO_SHORT),  # 9 characters
        ("ab", "ab", TOO_SHORT),  # length is checked first
        ("abcdefghij", "", None),  # exactly 10
        ("x1y2z3" + "a" * 250, "", None),  # exactly 256
        ("x1y2z3" + "a" * 251, "", TOO_LONG),  # 257
        ("tanaka.taro", "tanaka.taro", IS_USERNAME),
        ("Tanaka.Taro", "tanaka.taro", IS_USERNAME),  # case-insensitive
        ("TANAKA.TARO", "Tanaka.Taro", IS_USERNAME),
        ("tanaka.taro1", "tanaka.taro", None),  # containing the name is not the same as being it
        ("aaaaaaaaaa", "", TOO_REPETITIVE),  # 1 distinct character
        ("abababababab", "", TOO_REPETITIVE),  # 2
        ("abcabcabcabc", "", TOO_REPETITIVE),  # 3
        ("abcdabcdabcd", "", None),  # 4
        ("情報セキュリティ方針", "", None),  # 10 Japanese characters
        ("correct horse battery staple", "tanaka", None),
    ],
)
def test_password_problem(password: str, username: str, problem: str | None) -> None:
    assert password_problem(password, username=username) == problem


def test_password_rule_without_username_does_not_compare_names() -> None:
    assert password_problem("tanaka.taro") is None


# --- tokens --------------------------------------------------------------------------------------------------------


def test_token_digest_is_sha256_hex() -> None:
    assert token_digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert token_digest("トークン") == hashlib.sha256("トークン".encode()).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", token_digest(new_token()))


def test_token_digest_differs_between_tokens() -> None:
    assert token_digest("gov_a") != token_digest("gov_b")


def test_new_token_is_url_safe_and_carries_256_bits() -> None:
    token = new_token()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)


def test_new_token_starts_with_the_prefix() -> None:
    token = new_token("gov_")
    assert token.startswith("gov_")
    assert re.fullmatch(r"gov_[A-Za-z0-9_-]{43}", token)


def test_new_tokens_are_unique() -> None:
    tokens = {new_token("gov_") for _ in range(1000)}
    assert len(tokens) == 1000


LAZY_DUMMY = """
import argon2

calls = []
real = argon2.PasswordHasher.hash


def counted(self, password, **kw):
    calls.append(1)
    return real(self, password, **kw)


argon2.PasswordHasher.hash = counted
from governance.accounts import passwords

print("after import", len(calls))
assert passwords.verify_password(None, "anything at all") is False
print("after first miss", len(calls))
assert passwords.verify_password(None, "anything at all") is False
print("after second miss", len(calls))
"""


def test_importing_does_not_hash_the_dummy_is_made_on_the_first_unknown_user():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", LAZY_DUMMY], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.splitlines() == ["after import 0", "after first miss 1", "after second miss 1"], out.stderr
