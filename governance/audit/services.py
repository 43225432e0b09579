"""Recording, reading and verifying audit entries."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.querystring import QueryString

from governance.actor import Actor
from governance.audit.chain import GENESIS_HASH, ChainReport, ChainVerifier, EntryFields, canonical_json, entry_hash
from governance.audit.tables import AuditEntry
from governance.db import AUDIT_CHAIN_LOCK_KEY, get_engine, icontains, in_transaction, is_sqlite, startswith
from governance.listing import ids_then_rows

ACTION_LABELS: dict[str, str] = {
    "setup.completed": "初期設定（最初の管理者の作成）",
    "user.created": "ユーザー作成",
    "user.updated": "ユーザー更新",
    "user.password_changed": "パスワード変更",
    "user.password_reset": "パスワード再設定",
    "user.signed_in": "ログイン",
    "user.signed_out": "ログアウト",
    "user.sign_in_failed": "ログイン失敗",
    "user.locked": "ログイン停止（連続失敗）",
    "department.created": "所属作成",
    "department.updated": "所属更新",
    "municipality.updated": "団体の設定の変更",
    "api_token.created": "APIトークン発行",
    "api_token.revoked": "APIトークン失効",
    "file.uploaded": "ファイルの保存（証跡・文書）",
    "contractor.suspension_ended": "指名停止の終了日の記録",
    "contractor.created": "委託事業者登録",
    "contractor.updated": "委託事業者更新",
    "contractor.contact_added": "担当者追加",
    "contractor.contact_removed": "担当者削除",
    "contractor.certification_added": "認証登録",
    "contractor.certification_removed": "認証削除",
    "contractor.suspended": "指名停止の記録",
    "engagement.created": "委託業務登録",
    "engagement.updated": "委託業務更新",
    "engagement.status_changed": "委託業務の状態変更",
    "selection.created": "選定開始",
    "selection.candidate_added": "候補者追加",
    "selection.candidate_removed": "候補者除外",
    "selection.evaluated": "選定基準の評価",
    "selection.decided": "選定結果の入力",
    "selection.submitted": "選定の提出",
    "selection.approved": "選定の承認",
    "selection.returned": "選定の差戻し",
    "contract.drafted": "契約書案の作成",
    "contract.amendment_drafted": "変更契約書（覚書）案の作成",
    "contract_library.promoted": "条項ライブラリの改訂の施行",
    "contract.finalized": "契約書の確定",
    "contract.signed": "契約締結の記録",
    "bid_package.created": "調達用一式の作成",
    "subcontractor.approved": "再委託の承認",
    "subcontractor.refused": "再委託の不承認",
    "checks.planned": "確認計画の作成（契約締結時）",
    "checks.extended": "確認計画の追加（契約の自動更新）",
    "check.assigned": "確認の担当者の変更",
    "check.results_recorded": "確認結果の記録",
    "check.submitted": "確認の実施完了（承認依頼）",
    "check.reviewed": "確認結果の承認",
    "check.returned": "確認結果の差戻し",
    "check.cancelled": "確認の中止",
    "check.event_opened": "事象発生時の確認の開始",
    "check.report_submitted": "委託事業者からの報告の提出",
    "report_link.created": "報告用リンクの発行",
    "report_link.revoked": "報告用リンクの取消し",
    "incident_report_link.created": "事故報告用リンクの発行",
    "incident_report_link.revoked": "事故報告用リンクの取消し",
    "incident.reported": "委託事業者からの事故報告（第一報）",
    "incident.opened": "事故・インシデントの記録",
    "incident.facts_changed": "事故・インシデントの事実の変更",
    "incident.step_recorded": "事故・インシデントの対応の記録",
    "incident.closed": "事故・インシデントの終結",
    "finding.opened": "指摘事項の作成",
    "finding.escalated": "指摘事項の上位への報告（統括情報セキュリティ責任者・CISO）",
    "finding.reported": "指摘事項の所属への報告（情報セキュリティ管理者・責任者）",
    "finding.closed": "指摘事項の完了",
    "measure.created": "措置の決定",
    "measure.closed": "措置の完了・取りやめ",
    "notification.retried": "通知の再送",
    "calendar_feed.created": "予定表URLの発行",
    "calendar_feed.revoked": "予定表URLの取消し",
    "external_service.created": "外部サービスの登録",
    "external_service.updated": "外部サービスの台帳更新",
    "external_service.approved": "外部サービスの承認・外部サービス管理者の指名",
    "external_service.administrator_changed": "外部サービス管理者の変更",
    "external_service.build_confirmed": "外部サービスの構築時確認",
    "external_service.reviewed": "外部サービスの定期確認",
    "external_service.terms_changed": "外部サービスの利用規約の変更",
    "external_service.exit_confirmed": "外部サービスの終了時確認",
    "external_service.ended": "外部サービスの利用終了",
    "external_usage.updated": "外部サービスの利用状況の更新",
    "external_usage.reconfirmed": "外部サービスの利用規約の再確認",
    "external_application.created": "外部サービス利用申請の作成",
    "external_application.updated": "外部サービス利用申請の修正",
    "external_application.submitted": "外部サービスの利用申請",
    "external_application.review_started": "外部サービス利用申請の審査開始",
    "external_application.approved": "外部サービス利用申請の承認",
    "external_application.rejected": "外部サービス利用申請の却下",
    "external_application.returned": "外部サービス利用申請の差戻し",
    "social_account.created": "SNSアカウントの登録（開設申請）",
    "social_account.updated": "SNSアカウントの更新",
    "social_account.rules_updated": "SNSアカウントの投稿ルールの変更",
    "social_account.checklist_updated": "SNSアカウントの安全対策の記録",
    "social_account.person_added": "SNSアカウントの発信者・管理者の追加",
    "social_account.person_removed": "SNSアカウントの発信者・管理者の削除",
    "social_account.responsible_changed": "SNSアカウントの責任者の交代",
    "social_account.suspended": "SNSアカウントの休止",
    "social_account.resumed": "SNSアカウントの再開",
    "social_account.attested": "SNSアカウントの再確認",
    "social_application.submitted": "SNSアカウントの開設・廃止の申請",
    "social_application.approved": "SNSアカウントの開設・廃止の承認",
    "social_application.returned": "SNSアカウントの開設・廃止の差戻し",
    "social_incident.created": "SNSアカウントの乗っ取り・なりすましの記録",
    "social_incident.step_done": "SNSアカウントの事案対応の記録",
    "social_post_check.kept": "投稿チェック結果の記録",
    "social_template.updated": "SNS投稿ルールの市の雛形の変更",
    "social_account.closed_as_scheduled": "SNSアカウントの廃止（廃止予定日の到来）",
    "contractor.imported": "委託事業者の一括登録（ファイルの取込み）",
    "engagement.imported": "委託業務の一括登録（ファイルの取込み）",
}


_EARLIEST = dt.date(2000, 1, 1)
_LATEST = dt.date(9000, 1, 1)


@dataclass(frozen=True)
class AuditFilter:
    """Criteria for listing entries; empty fields do not filter."""

    actor: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class AuditService:
    """Writes entries inside the caller's transaction and reads them back for pages, API and export."""

    async def record(
        self,
        action: str,
        *,
        actor: Actor,
        target_type: str,
        target_id: object = "",
        target_label: str = "",
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
        now: dt.datetime | None = None,
    ) -> int:
        """Append an entry to the chain.

        Must run inside the use case's ``write_transaction()``, so the entry commits or rolls back with the change.

        Returns:
            The new entry's id.

        Raises:
            RuntimeError: when called outside a transaction.
        """
        if not in_transaction():
            raise RuntimeError("audit entries must be written inside the use case's transaction")
        if not is_sqlite():
            # SQLite's BEGIN IMMEDIATE already serializes writers; PostgreSQL needs an explicit lock so that two
            # concurrent transactions cannot both link to the same previous entry.
            await get_engine().run_querystring(QueryString("SELECT pg_advisory_xact_lock({})", AUDIT_CHAIN_LOCK_KEY))
        last = await AuditEntry.select(AuditEntry.entry_hash).order_by(AuditEntry.id, ascending=False).first()
        prev = last["entry_hash"] if last else GENESIS_HASH
        fields = EntryFields(
            occurred_at=(now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC),
            actor_id=actor.id,
            actor_label=actor.label[:200],
            action=action,
            target_type=target_type,
            target_id=str(target_id)[:50],
            target_label=target_label[:300],
            before_json=canonical_json(before),
            after_json=canonical_json(after),
        )
        rows = await AuditEntry.insert(
            AuditEntry(prev_hash=prev, entry_hash=entry_hash(prev, fields), **fields.__dict__)
        ).returning(AuditEntry.id)
        return rows[0]["id"]

    @staticmethod
    def _where(f: AuditFilter) -> list[Any]:
        from governance.calendar import TOKYO

        clauses: list[Any] = []
        if f.actor:
            clauses.append(icontains(AuditEntry.actor_label, f.actor))
        if f.action:
            # "user." lists every user action; a full action name lists that action only.
            clauses.append(
                startswith(AuditEntry.action, f.action) if f.action.endswith(".") else AuditEntry.action == f.action
            )
        if f.target_type:
            clauses.append(AuditEntry.target_type == f.target_type)
        if f.target_id:
            clauses.append(AuditEntry.target_id == f.target_id)
        # Bounds far outside any possible entry are dropped: converting them to UTC instants would overflow.
        if f.date_from and f.date_from > _EARLIEST:
            start = dt.datetime.combine(f.date_from, dt.time.min, TOKYO)
            clauses.append(AuditEntry.occurred_at >= start)
        if f.date_to and f.date_to < _LATEST:
            end = dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time.min, TOKYO)
            clauses.append(AuditEntry.occurred_at < end)
        return clauses

    @classmethod
    def ids_query(cls, f: AuditFilter, *, limit: int = 50, offset: int = 0) -> Any:
        """The page's entry ids, newest first (the primary key's order, or a filter's index in id order)."""
        query = AuditEntry.select(AuditEntry.id)
        if where := cls._where(f):
            query = query.where(*where)
        return query.order_by(AuditEntry.id, ascending=False).limit(limit).offset(offset)

    async def list(self, f: AuditFilter, *, limit: int = 50, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """Return one page of entries, newest first, and the number of entries matching the filter.

        Ids first, then the page's entries (with their before/after JSON) for those ids only.
        """
        count = AuditEntry.count()
        if where := self._where(f):
            count = count.where(*where)
        return await ids_then_rows(self.ids_query(f, limit=limit, offset=offset), AuditEntry.select(), AuditEntry.id,
                                   count)  # fmt: skip

    async def iter_all(self, f: AuditFilter, *, chunk: int = 1000) -> AsyncIterator[dict[str, Any]]:
        """Yield every matching entry in id order, a chunk at a time (for CSV export)."""
        where = self._where(f)
        last_id = 0
        while True:
            query = AuditEntry.select().where(AuditEntry.id > last_id, *where).order_by(AuditEntry.id).limit(chunk)
            rows = await query
            for row in rows:
                yield row
            if len(rows) < chunk:
                return
            last_id = rows[-1]["id"]

    async def verify(self, *, chunk: int = 5000) -> ChainReport:
        """Verify the whole chain, reading it in chunks to keep memory flat."""
        verifier = ChainVerifier()
        async for row in self.iter_all(AuditFilter(), chunk=chunk):
            if not verifier.feed(row):
                break
        return verifier.report()
