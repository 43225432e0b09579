"""Unit tests for the audit hash chain: canonical JSON, entry hashes and chain verification."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import hashlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.accounts.roles import Role
from governance.audit.chain import (
    GENESIS_HASH,
    ChainReport,
    ChainVerifier,
    EntryFields,
    canonical_json,
    entry_hash,
    format_time,
    verify_chain,
)

JST = dt.timezone(dt.timedelta(hours=9))
LINK_BROKEN = "直前の記録とのつながりが一致しません（記録の削除・挿入の可能性）"
CONTENT_BROKEN = "記録の内容がハッシュと一致しません（記録の改ざんの可能性）"


class Color(enum.Enum):
    RED = 1
    BLUE = "blue"


def make_fields(i: int = 0, **changes: Any) -> EntryFields:
    fields = EntryFields(
        occurred_at=dt.datetime(2026, 4, 1, 9, 0, tzinfo=JST) + dt.timedelta(minutes=i),
        actor_id=(i % 3) or None,
        actor_label=f"職員{i}",
        action="contract.update",
        target_type="contract",
        target_id=str(100 + i),
        target_label=f"委託契約{i}",
        before_json=canonical_json({"status": "draft", "n": i}),
        after_json=canonical_json({"status": "active", "n": i}),
    )
    return dataclasses.replace(fields, **changes)


def make_row(row_id: int, prev_hash: str, fields: EntryFields) -> dict[str, Any]:
    return {
        "id": row_id,
        "prev_hash": prev_hash,
        "entry_hash": entry_hash(prev_hash, fields),
        **{f.name: getattr(fields, f.name) for f in dataclasses.fields(fields)},
    }


def make_chain(n: int) -> list[dict[str, Any]]:
    """A valid chain with ids 10, 20, 30, … (gaps leave room for inserted rows)."""
    rows: list[dict[str, Any]] = []
    prev = GENESIS_HASH
    for i in range(n):
        row = make_row((i + 1) * 10, prev, make_fields(i))
        rows.append(row)
        prev = row["entry_hash"]
    return rows


def feed_all(rows: list[dict[str, Any]]) -> ChainReport:
    verifier = ChainVerifier()
    for row in rows:
        verifier.feed(row)
    return verifier.report()


# --- canonical_json ------------------------------------------------------------------------------------------------


def test_canonical_json_of_none_is_empty_string() -> None:
    assert canonical_json(None) == ""


def test_canonical_json_of_empty_mapping_is_braces() -> None:
    assert canonical_json({}) == "{}"


def test_canonical_json_sorts_keys_at_every_level_and_has_no_spaces() -> None:
    a = {"b": 1, "a": {"z": [1, 2], "y": None}}
    b = {"a": {"y": None, "z": [1, 2]}, "b": 1}
    assert canonical_json(a) == canonical_json(b) == '{"a":{"y":null,"z":[1,2]},"b":1}'


def test_canonical_json_keeps_japanese_unescaped() -> None:
    assert canonical_json({"name": "総務課", "note": "ｶﾅ・①"}) == '{"name":"総務課","note":"ｶﾅ・①"}'


def test_canonical_json_normalizes_aware_datetimes_to_utc() -> None:
    in_tokyo = dt.datetime(2026, 4, 1, 9, 0, tzinfo=JST)
    in_utc = dt.datetime(2026, 4, 1, 0, 0, tzinfo=dt.UTC)
    assert canonical_json({"at": in_tokyo}) == canonical_json({"at": in_utc})
    assert canonical_json({"at": in_tokyo}) == '{"at":"2026-04-01T00:00:00.000000+00:00"}'


def test_canonical_json_distinguishes_different_instants() -> None:
    a = dt.datetime(2026, 4, 1, 0, 0, tzinfo=dt.UTC)
    assert canonical_json({"at": a}) != canonical_json({"at": a + dt.timedelta(microseconds=1)})


def test_canonical_json_writes_dates_in_iso_format() -> None:
    assert canonical_json({"on": dt.date(2026, 4, 1)}) == '{"on":"2026-04-01"}'


def test_canonical_json_writes_enum_values() -> None:
    assert canonical_json({"role": Role.security_officer, "c": Color.RED, "d": Color.BLUE}) == (
        '{"c":1,"d":"blue","role":"security_officer"}'
    )


def test_canonical_json_writes_decimals_as_exact_strings() -> None:
    assert canonical_json({"amount": decimal.Decimal("1234567.10")}) == '{"amount":"1234567.10"}'


def test_canonical_json_writes_uuids_as_strings() -> None:
    u = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert canonical_json({"id": u}) == '{"id":"12345678-1234-5678-1234-567812345678"}'


@pytest.mark.parametrize("container", [set, frozenset])
def test_canonical_json_sorts_sets(container: type) -> None:
    assert canonical_json({"roles": container(["procurement", "admin", "auditor"])}) == (
        '{"roles":["admin","auditor","procurement"]}'
    )


def test_canonical_json_handles_special_values_nested_in_lists() -> None:
    value = {"items": [{"on": dt.date(2026, 4, 1), "price": decimal.Decimal("5")}]}
    assert canonical_json(value) == '{"items":[{"on":"2026-04-01","price":"5"}]}'


@pytest.mark.parametrize("value", [object(), b"bytes", dt.timedelta(days=1), 1 + 2j])
def test_canonical_json_refuses_unknown_types(value: Any) -> None:
    with pytest.raises(TypeError, match="cannot record"):
        canonical_json({"x": value})


json_scalars = st.none() | st.booleans() | st.integers() | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(), json_values, max_size=8))
def test_canonical_json_is_independent_of_insertion_order_and_round_trips(value: dict[str, Any]) -> None:
    reordered = dict(reversed(list(value.items())))
    text = canonical_json(value)
    assert canonical_json(reordered) == text
    assert json.loads(text) == value


# --- entry_hash ----------------------------------------------------------------------------------------------------


def test_entry_hash_is_a_sha256_hex_digest_and_deterministic() -> None:
    h = entry_hash(GENESIS_HASH, make_fields())
    assert len(h) == 64
    assert int(h, 16) >= 0
    assert h == entry_hash(GENESIS_HASH, make_fields())


def test_entry_hash_matches_the_documented_payload() -> None:
    """Pin the format: changing it would make every stored chain fail verification."""
    fields = EntryFields(
        occurred_at=dt.datetime(2026, 4, 1, 9, 0, tzinfo=JST),
        actor_id=7,
        actor_label="田中",
        action="create",
        target_type="contract",
        target_id="1",
        target_label="清掃委託",
        before_json="",
        after_json='{"a":1}',
    )
    payload = (
        '["' + GENESIS_HASH + '","2026-04-01T00:00:00.000000+00:00",7,"田中","create","contract","1","清掃委託","",'
        '"{\\"a\\":1}"]'
    )
    assert entry_hash(GENESIS_HASH, fields) == hashlib.sha256(payload.encode("utf-8")).hexdigest()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("occurred_at", dt.datetime(2026, 4, 1, 9, 0, 0, 1, tzinfo=JST)),
        ("actor_id", 999),
        ("actor_id", None),
        ("actor_label", "職員X"),
        ("action", "contract.delete"),
        ("target_type", "account"),
        ("target_id", "101"),
        ("target_label", "委託契約（改）"),
        ("before_json", ""),
        ("after_json", canonical_json({"status": "terminated", "n": 0})),
    ],
)
def test_entry_hash_changes_when_any_field_changes(field: str, value: Any) -> None:
    original = make_fields(4)  # actor_id 1
    changed = dataclasses.replace(original, **{field: value})
    assert changed != original
    assert entry_hash(GENESIS_HASH, changed) != entry_hash(GENESIS_HASH, original)


def test_entry_hash_changes_with_the_previous_hash() -> None:
    fields = make_fields()
    assert entry_hash(GENESIS_HASH, fields) != entry_hash("1" * 64, fields)


def test_entry_hash_distinguishes_no_actor_from_actor_zero() -> None:
    assert entry_hash(GENESIS_HASH, make_fields(actor_id=None)) != entry_hash(GENESIS_HASH, make_fields(actor_id=0))


def test_entry_hash_keeps_field_boundaries() -> None:
    a = make_fields(actor_label="ab", action="c")
    b = make_fields(actor_label="a", action="bc")
    assert entry_hash(GENESIS_HASH, a) != entry_hash(GENESIS_HASH, b)


def test_entry_hash_depends_on_the_instant_not_the_time_zone() -> None:
    tokyo = make_fields(occurred_at=dt.datetime(2026, 4, 1, 9, 0, tzinfo=JST))
    utc = make_fields(occurred_at=dt.datetime(2026, 4, 1, 0, 0, tzinfo=dt.UTC))
    assert entry_hash(GENESIS_HASH, tokyo) == entry_hash(GENESIS_HASH, utc)


def test_format_time_is_utc_with_microseconds() -> None:
    assert format_time(dt.datetime(2026, 4, 1, 9, 0, tzinfo=JST)) == "2026-04-01T00:00:00.000000+00:00"


# --- verify_chain / ChainVerifier on intact chains -----------------------------------------------------------------


def test_empty_chain_is_valid_with_genesis_head() -> None:
    assert verify_chain([]) == ChainReport(ok=True, checked=0, head_hash=GENESIS_HASH)


@pytest.mark.parametrize("n", [1, 2, 7])
def test_intact_chain_verifies(n: int) -> None:
    rows = make_chain(n)
    report = verify_chain(rows)
    assert report == ChainReport(ok=True, checked=n, head_hash=rows[-1]["entry_hash"], broken_id=None, reason="")
    assert feed_all(rows) == report


def test_verifier_feed_returns_true_for_each_good_entry() -> None:
    verifier = ChainVerifier()
    assert [verifier.feed(row) for row in make_chain(3)] == [True, True, True]
    assert verifier.report().ok


def test_verifier_ignores_extra_columns_in_rows() -> None:
    rows = [{**row, "created_by_ip": "127.0.0.1"} for row in make_chain(3)]
    assert verify_chain(rows).ok


# --- verify_chain / ChainVerifier on broken chains -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("occurred_at", dt.datetime(2026, 4, 2, 9, 0, tzinfo=JST)),
        ("actor_id", 42),
        ("actor_label", "別の職員"),
        ("action", "contract.delete"),
        ("target_type", "account"),
        ("target_id", "999"),
        ("target_label", "書き換えた件名"),
        ("before_json", canonical_json({"status": "void"})),
        ("after_json", ""),
    ],
)
def test_edited_field_names_the_edited_entry(field: str, value: Any) -> None:
    rows = make_chain(5)
    rows[2] = {**rows[2], field: value}
    report = verify_chain(rows)
    assert report.ok is False
    assert report.broken_id == 30
    assert report.reason == CONTENT_BROKEN
    assert report.checked == 2
    assert report.head_hash == rows[1]["entry_hash"]


def test_edited_entry_with_recomputed_hash_breaks_the_link_of_the_next_entry() -> None:
    rows = make_chain(5)
    forged = make_fields(2, target_label="書き換えた件名")
    rows[2] = make_row(30, rows[1]["entry_hash"], forged)
    report = verify_chain(rows)
    assert (report.ok, report.broken_id, report.reason, report.checked) == (False, 40, LINK_BROKEN, 3)
    assert report.head_hash == rows[2]["entry_hash"]


@pytest.mark.parametrize("index", [1, 2, 3])
def test_deleted_entry_names_the_entry_after_the_gap(index: int) -> None:
    rows = make_chain(5)
    following_id = rows[index + 1]["id"]
    del rows[index]
    report = verify_chain(rows)
    assert (report.ok, report.broken_id, report.reason, report.checked) == (False, following_id, LINK_BROKEN, index)


def test_deleting_the_first_entry_names_the_new_first_entry() -> None:
    rows = make_chain(4)[1:]
    report = verify_chain(rows)
    assert (report.ok, report.broken_id, report.reason, report.checked) == (False, 20, LINK_BROKEN, 0)
    assert report.head_hash == GENESIS_HASH


def test_inserted_entry_with_a_stale_link_is_named() -> None:
    rows = make_chain(5)
    intruder = make_row(25, rows[0]["entry_hash"], make_fields(99))  # links to entry 10, not to entry 20
    rows.insert(2, intruder)
    report = verify_chain(rows)
    assert (report.ok, report.broken_id, report.reason, report.checked) == (False, 25, LINK_BROKEN, 2)


def test_inserted_entry_with_a_made_up_hash_is_named() -> None:
    rows = make_chain(5)
    intruder = {**make_row(25, rows[1]["entry_hash"], make_fields(99)), "entry_hash": "f" * 64}
    rows.insert(2, intruder)
    report = verify_chain(rows)
    assert (report.ok, report.broken_id, report.reason, report.checked) == (False, 25, CONTENT_BROKEN, 2)


def test_inserted_entry_with_a_consistent_hash_is_caught_at_the_next_original_entry() -> None:
    rows = make_chain(5)
    intruder = make_row(25, rows[1]["entry_hash"], make_fields(99))
    rows.insert(2, intruder)
    report = verify_chain(rows)
    assert (report.ok, report.broken_id, report.reason, report.checked) == (False, 30, LINK_BROKEN, 3)


def test_replayed_copy_of_an_entry_is_named() -> None:
    rows = make_chain(4)
    rows.insert(2, {**rows[1], "id": 25})
    report = verify_chain(rows)
    assert (report.ok, report.broken_id, report.reason) == (False, 25, LINK_BROKEN)


def test_swapped_entries_name_the_first_out_of_place() -> None:
    rows = make_chain(5)
    rows[1], rows[2] = rows[2], rows[1]
    report = verify_chain(rows)
    assert (report.ok, report.broken_id, report.reason, report.checked) == (False, rows[1]["id"], LINK_BROKEN, 1)


def test_first_entry_must_link_to_genesis() -> None:
    rows = make_chain(3)
    rows[0] = make_row(10, "1" * 64, make_fields(0))  # self-consistent, but not anchored at genesis
    report = verify_chain(rows)
    assert report == ChainReport(False, 0, GENESIS_HASH, 10, LINK_BROKEN)


def test_first_entry_with_empty_prev_hash_is_refused() -> None:
    rows = make_chain(2)
    rows[0] = {**rows[0], "prev_hash": ""}
    assert verify_chain(rows).broken_id == 10


def test_verifier_keeps_the_first_failure_and_refuses_later_entries() -> None:
    rows = make_chain(6)
    rows[1] = {**rows[1], "target_label": "改ざん"}
    rows[4] = {**rows[4], "prev_hash": GENESIS_HASH}
    verifier = ChainVerifier()
    results = [verifier.feed(row) for row in rows]
    assert results == [True, False, False, False, False, False]
    assert verifier.report() == ChainReport(False, 1, rows[0]["entry_hash"], 20, CONTENT_BROKEN)


def test_verify_chain_stops_reading_after_the_first_broken_entry() -> None:
    rows = make_chain(6)
    rows[2] = {**rows[2], "action": "forged"}
    consumed: list[int] = []

    def stream() -> Iterator[dict[str, Any]]:
        for row in rows:
            consumed.append(row["id"])
            yield row

    assert verify_chain(stream()).broken_id == 30
    assert consumed == [10, 20, 30]


# --- chunked verification equals whole-chain verification ----------------------------------------------------------


def tamper(rows: list[dict[str, Any]], kind: str, index: int) -> list[dict[str, Any]]:
    rows = [dict(r) for r in rows]
    if kind == "edit":
        rows[index]["target_label"] = "改ざん"
    elif kind == "delete":
        del rows[index]
    elif kind == "insert":
        prev = rows[index - 1]["entry_hash"] if index else GENESIS_HASH
        rows.insert(index, make_row(rows[index]["id"] - 5, prev, make_fields(99)))
    elif kind == "genesis":
        rows[0] = make_row(rows[0]["id"], "a" * 64, make_fields(0))
    return rows


@given(
    n=st.integers(min_value=1, max_value=12),
    kind=st.sampled_from(["none", "edit", "delete", "insert", "genesis"]),
    where=st.integers(min_value=0, max_value=11),
    chunk=st.integers(min_value=1, max_value=5),
)
def test_chain_fed_in_chunks_gives_the_same_report_as_verify_chain(n: int, kind: str, where: int, chunk: int) -> None:
    rows = tamper(make_chain(n), kind, where % n)
    verifier = ChainVerifier()
    for start in range(0, len(rows), chunk):
        for row in rows[start : start + chunk]:
            if not verifier.feed(row):
                break
        report_so_far = verifier.report()
        assert report_so_far.checked <= start + chunk
    whole = verify_chain(rows)
    assert verifier.report() == whole
    assert whole.ok is (kind == "none" or (kind == "delete" and where % n == n - 1))
