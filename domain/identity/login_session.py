"""Login sessions: the one refresh token of a login that is still good.

Each refresh rotates the token: the session records the id (`jti`) of the only refresh token it
accepts next. Two uses of one token race on the session's version, so at most one wins; a token
that comes back after it was rotated revokes the session, as the thief or the owner holds the
successor. A session dies with its user's `token_version` (password reset, deactivation).
"""
from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import Aggregate
from domain.identity.errors import RefreshRejectedError, RefreshReusedError
from domain.identity.user import User


class LoginSession(Aggregate):
    @event("LoginSessionStarted")
    def __init__(self, user_id: UUID, refresh_jti: str, token_version: int) -> None:
        self.user_id = user_id
        self.refresh_jti = refresh_jti
        self.token_version = token_version
        self.revoked = False

    def rotate(self, used_jti: str, next_jti: str, user: User) -> None:
        """Accept the current refresh token once and name its successor."""
        if self.revoked or not user.is_active or user.token_version != self.token_version:
            raise RefreshRejectedError()
        if used_jti != self.refresh_jti:
            self._revoked()
            raise RefreshReusedError()
        self._refreshed(next_jti)

    @event("LoginSessionRefreshed")
    def _refreshed(self, refresh_jti: str) -> None:
        self.refresh_jti = refresh_jti

    @event("LoginSessionRevoked")
    def _revoked(self) -> None:
        self.revoked = True
