"""Errors raised by services; one handler per interface maps them to HTTP (see ``web/errors.py``)."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """A use case refused to run; the message is written for the clerk who asked."""

    status_code = 400
    title = "リクエストを処理できませんでした"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(DomainError):
    """Input that breaks a rule; ``field_errors`` maps form field names to messages."""

    status_code = 422
    title = "入力内容に誤りがあります"

    def __init__(self, field_errors: Mapping[str, str] | None = None, message: str | None = None) -> None:
        self.field_errors = dict(field_errors or {})
        super().__init__(message or "入力内容に誤りがあります。赤字の項目を確認してください。")


class NotFoundError(DomainError):
    """The record asked for does not exist (or the actor may not know it exists)."""

    status_code = 404
    title = "見つかりません"

    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity}（{key}）は見つかりません。")
        self.entity = entity
        self.key = key


class ConflictError(DomainError):
    """The request conflicts with the current state (duplicate, stale version, wrong status)."""

    status_code = 409
    title = "現在の状態では実行できません"


class PermissionDeniedError(DomainError):
    """The actor may not do this (beyond role checks: separation of duties, ownership)."""

    status_code = 403
    title = "この操作は許可されていません"


class SelfApprovalError(PermissionDeniedError):
    """Nobody approves their own request."""

    def __init__(self, what: str = "申請") -> None:
        super().__init__(f"ご自身が作成した{what}を承認することはできません。別の承認者に依頼してください。")


class AuthenticationError(DomainError):
    """Sign-in failed; deliberately says nothing about which part was wrong."""

    status_code = 401
    title = "ログインできませんでした"
