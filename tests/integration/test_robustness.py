"""Hostile or broken input never gets a 500 or a truncated 200; a broken mail relay never stops a reminder run;
event checks are due on business days; a report link with a bad token is refused before its body is read."""

from __future__ import annotations

import datetime as dt

import pytest
from aiosmtpd.controller import Controller

from governance.accounts.roles import Role
from governance.db import is_sqlite
from governance.reminders import mailer
from governance.reminders.notify import Notice, Recipient, enqueue
from governance.reminders.tables import Notification
from governance.verification.controllers._public import REPORT_MAX_BODY
from governance.verification.services import CheckService
from governance.verification.tables import Check
from tests.helpers import api_token, at_tokyo, csrf_headers, login, make_user, sign_contract
from tests.integration.test_reminders import Inbox, free_port, reminders

D = dt.date
NOW = at_tokyo(D(2026, 4, 1), 7)
JAPANESE = "リクエストの内容に誤りがあります"

# -- very large numbers, deep JSON, NUL bytes ---------------------------------------------------------------------


@pytest.fixture(name="staff")
async def fx_staff(client):
    """The client signed in as someone who sees every list; returns an API token header for the same user."""
    await make_user("all", Role.admin, Role.auditor, Role.procurement, Role.security_officer)
    auth = await api_token(client, "all")
    return auth


@pytest.mark.parametrize("path", ["/contractors", "/audit", "/engagements", "/checks", "/findings", "/notifications"])
async def test_absurd_page_numbers_never_give_a_500(client, staff, path):
    for page in ("99999999", "9" * 30, "-1", "abc"):
        r = await client.get(path, params={"page": page})
        assert r.status_code < 500, (path, page, r.text[:500])
        if r.status_code >= 400:
            assert r.status_code == 400 and JAPANESE in r.text and "受付番号" not in r.text


async def test_absurd_page_numbers_over_the_api_are_400_in_japanese(anon, staff):
    r = await anon.get("/api/v1/contractors", params={"page": "9" * 30}, headers=staff)
    assert (
        r.status_code == 400
        and r.json()["errors"][0]["message"] == "「ページ番号」は100000以下の数値で指定してください。"
    )
    r = await anon.get("/api/v1/audit-entries", params={"offset": "9" * 30}, headers=staff)
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")


async def test_deeply_nested_json_is_a_400_not_a_500(anon, staff):
    for body in ("[" * 100_000 + "]" * 100_000, '{"name":' * 50_000 + '"x"' + "}" * 50_000):
        r = await anon.post("/api/v1/contractors", content=body, headers={**staff, "content-type": "application/json"})
        assert r.status_code == 400, r.text[:300]
        assert r.json()["detail"] == "送信されたデータの入れ子（階層）が深すぎます。データの構造を確認してください。"


async def test_nul_bytes_in_filters_get_a_4xx_on_the_audit_pages_and_its_csv_export(client, staff, anon):
    r = await client.get("/audit/export.csv", params={"actor": "a\x00b"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert "使用できない文字（NUL文字）が含まれています。" in r.text
    r = await client.get("/audit", params={"actor": "a\x00"})
    assert r.status_code == 422 and "使用できない文字（NUL文字）が含まれています。" in r.text
    assert (await client.get("/audit", params={"action": "user.\x00"})).status_code == 422
    r = await client.get("/audit/export.csv", params={"actor": "all"})  # the export itself still works, whole
    assert r.status_code == 200 and r.text.startswith("\ufeff番号,") and "api_token.created" in r.text


@pytest.mark.skipif(is_sqlite(), reason="SQLite stores and compares NUL; PostgreSQL refuses it")
@pytest.mark.parametrize(
    "url", ["/api/v1/audit-entries?actor=a%00b", "/api/v1/contractors?q=a%00b", "/api/v1/engagements?q=a%00b"]
)
async def test_nul_bytes_in_api_filters_on_postgresql_are_400(anon, staff, url):
    r = await anon.get(url, headers=staff)
    assert r.status_code == 400 and "NUL" in r.json()["detail"]


async def test_rows_with_dates_far_outside_the_range_never_break_a_list_page(client, staff):
    """A date stored before input was bounded (here year 1) prints as an ISO date instead of 和暦."""
    sc = await sign_contract()
    await Check.update({Check.due_on: D(1, 1, 1)}, force=True)
    for path in ("/checks", f"/engagements/{sc.engagement_id}/checks"):
        r = await client.get(path)
        assert r.status_code == 200, path


# -- reminder delivery: each mail isolated, nothing left claimed, nothing accepted sent twice ----------------------


class Refusing(Inbox):
    """A relay that refuses one recipient (550) and accepts the others."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # aiosmtpd's hook name
        if address.startswith("refused@"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class Dropping(Inbox):
    """A relay that accepts the first message and drops the connection in the middle of the second."""

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        if self.envelopes:
            server.transport.close()
            return "421 closing"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture(name="relay")
def fx_relay(request):
    """A real SMTP server in the test process with the handler the test names (``Inbox`` by default)."""
    handler = getattr(request, "param", Inbox)()
    handler.port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


async def queue(*pairs: tuple[str, str]) -> None:
    """Queue one notice per (address, title), each to a user of its own."""
    users = [await make_user(f"u{n}", Role.department_staff) for n in range(len(pairs))]
    await enqueue(
        [(Notice("check", n, "escalation", "1", title, "{url}", f"/checks/{n}"), Recipient(uid, address))
         for n, ((address, title), uid) in enumerate(zip(pairs, users, strict=True), 1)],
        now=NOW,
    )  # fmt: skip


async def statuses() -> dict[str, tuple[str, str]]:
    rows = await Notification.select().order_by(Notification.id)
    return {r["email"]: (r["status"], r["last_error"]) for r in rows}


async def test_a_message_that_cannot_be_built_fails_alone(relay):
    await queue(("a@city.example.jp", "件名A"), ("b@city.example.jp", "件名B\r\nBcc: evil@example.com"),
                ("c@city.example.jp", "件名C"))  # fmt: skip
    result = await reminders(relay.port).deliver(now=NOW)
    rows = await statuses()
    assert result == (2, 1), rows
    assert rows["a@city.example.jp"][0] == rows["c@city.example.jp"][0] == "sent"
    assert rows["b@city.example.jp"][0] == "failed" and "メールを作成できませんでした" in rows["b@city.example.jp"][1]
    assert sorted(rcpt for rcpt, _ in relay.pairs()) == ["a@city.example.jp", "c@city.example.jp"]


@pytest.mark.parametrize("relay", [Refusing], indirect=True)
async def test_a_recipient_the_relay_refuses_fails_alone(relay):
    await queue(("a@city.example.jp", "件名A"), ("refused@city.example.jp", "件名R"), ("c@city.example.jp", "件名C"))
    result = await reminders(relay.port).deliver(now=NOW)
    rows = await statuses()
    assert result == (2, 1), rows
    assert rows["refused@city.example.jp"][0] == "failed" and "550" in rows["refused@city.example.jp"][1]
    assert {s for s, _ in rows.values()} == {"sent", "failed"}


@pytest.mark.parametrize("relay", [Dropping], indirect=True)
async def test_a_relay_that_drops_the_connection_fails_the_rest_and_the_run_finishes(relay):
    await queue(("a@city.example.jp", "件名A"), ("b@city.example.jp", "件名B"), ("c@city.example.jp", "件名C"))
    assert await reminders(relay.port).deliver(now=NOW) == (1, 2)
    rows = await statuses()
    assert [s for s, _ in rows.values()] == ["sent", "failed", "failed"]
    assert "接続が切れ" in rows["b@city.example.jp"][1] and "接続が切れた" in rows["c@city.example.jp"][1]
    # a later run sends only what failed, never again what the relay accepted
    later = NOW + dt.timedelta(minutes=5)
    relay.envelopes.clear()
    await reminders(relay.port).deliver(now=later)
    assert "a@city.example.jp" not in [rcpt for rcpt, _ in relay.pairs()]


async def test_a_crash_while_sending_leaves_nothing_claimed_and_sends_nothing_twice(relay, monkeypatch):
    await queue(("a@city.example.jp", "件名A"), ("b@city.example.jp", "件名B"), ("c@city.example.jp", "件名C"))
    real = mailer.build_message
    calls = []

    def crash_on_second(mail, sender, now):
        calls.append(mail.to)
        if len(calls) == 2:
            raise SystemError("simulated crash inside the mail library")
        return real(mail, sender, now)

    real_send = mailer.send_batch

    def send_then_crash(config, mails, now, results=None):
        # the relay accepts the first mail, then the sender process blows up (outside any per-mail handling)
        real_send(config, mails[:1], now, results)
        raise RuntimeError("worker thread died")

    monkeypatch.setattr("governance.reminders.services.send_batch", send_then_crash)
    report = await reminders(relay.port).deliver(now=NOW)
    assert report == (1, 2)
    rows = await statuses()
    assert "sending" not in {s for s, _ in rows.values()}
    assert rows["a@city.example.jp"][0] == "sent" and len(relay.envelopes) == 1
    monkeypatch.setattr("governance.reminders.services.send_batch", real_send)
    monkeypatch.setattr(mailer, "build_message", crash_on_second)
    await reminders(relay.port).deliver(now=NOW + dt.timedelta(minutes=5))
    rows = await statuses()
    assert rows["a@city.example.jp"][0] == "sent" and "sending" not in {s for s, _ in rows.values()}
    assert [rcpt for rcpt, _ in relay.pairs()].count("a@city.example.jp") == 1  # never sent twice
    assert rows["c@city.example.jp"][0] == "failed" and "SystemError" in rows["c@city.example.jp"][1]


async def test_a_broken_relay_marks_rows_failed_and_the_run_finishes():
    sc = await sign_contract()
    report = await reminders(free_port()).run(D(2026, 4, 1), now=NOW)  # nothing listens there
    assert report.failed == report.recorded > 0 and report.sent == 0
    assert {r["status"] for r in await Notification.select(Notification.status)} == {"failed"}
    assert sc.engagement_id


# -- event checks are due on business days ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "due"),
    [
        (D(2026, 7, 4), D(2026, 7, 6)),  # Saturday → Monday
        (D(2026, 7, 20), D(2026, 7, 21)),  # 海の日 → Tuesday
        (D(2026, 12, 29), D(2027, 1, 4)),  # the year-end closure → the first business day of January
        (D(2026, 7, 7), D(2026, 7, 7)),  # a business day stays
    ],
)
async def test_an_event_checks_due_date_on_a_closed_day_moves_to_the_next_business_day(asked, due):
    sc = await sign_contract()
    check_id = await CheckService().open_event_check(
        sc.engagement_id, "CHK-INCIDENT-RESPONSE", note="USBメモリの紛失", actor=sc.staff, due_on=asked,
        now=at_tokyo(D(2026, 7, 3)),
    )  # fmt: skip
    assert (await Check.select(Check.due_on).where(Check.id == check_id).first())["due_on"] == due


# -- the contractor's report link ---------------------------------------------------------------------------------


async def _huge_body(counter: list[int], total: int, boundary: str):
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n").encode()  # fmt: skip
    yield head
    chunk = b"x" * (1024 * 1024)
    sent = len(head)
    while sent < total:
        counter[0] += len(chunk)
        sent += len(chunk)
        yield chunk
    yield f"\r\n--{boundary}--\r\n".encode()


async def test_a_bad_report_token_with_a_huge_body_is_refused_without_reading_it(anon):
    await anon.get("/login")  # a CSRF cookie, as a browser would have
    read = [0]
    boundary = "b0undary"
    r = await anon.post(
        "/report/not-a-real-token-" + "x" * 40,
        content=_huge_body(read, 60 * 1024 * 1024, boundary),
        headers={**csrf_headers(anon), "content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert r.status_code == 404 and "リンク" in r.text
    assert read[0] <= 2 * 1024 * 1024, f"{read[0]} bytes of the body were read"


async def test_a_report_body_larger_than_the_form_allows_is_413_before_reading(client, anon):
    from tests.helpers import checks_of, sign_contract_now
    from tests.integration.test_verification_links import issue_link

    sc = await sign_contract_now()
    check = (await checks_of(sc.engagement_id))[-1]
    await login(client, "tantou")
    token = await issue_link(client, check["id"])
    await anon.get("/login")
    read = [0]
    size = REPORT_MAX_BODY + 1024 * 1024
    r = await anon.post(
        f"/report/{token}",
        content=_huge_body(read, size, "bb"),
        headers={**csrf_headers(anon), "content-type": "multipart/form-data; boundary=bb",
                 "content-length": str(size + 200)},
    )  # fmt: skip
    assert r.status_code == 413 and read[0] <= 2 * 1024 * 1024
    assert REPORT_MAX_BODY == 5 * 10 * 1024 * 1024 + 1024 * 1024
    assert (await anon.get(f"/report/{token}")).status_code == 200  # the link still works
