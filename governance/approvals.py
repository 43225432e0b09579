"""Separation of duties shared by every approval: nobody approves what they requested or prepared."""

from __future__ import annotations

from governance.actor import Actor
from governance.errors import SelfApprovalError


def ensure_not_requester(requested_by: int | None, approver: Actor, *, what: str = "申請") -> None:
    """Refuse an approval by the person who requested (or prepared) the thing being approved.

    Raises:
        SelfApprovalError: the approver is the requester.
    """
    if requested_by is not None and approver.id == requested_by:
        raise SelfApprovalError(what)
