"""Tokens agents present to the hub.

- An enrolment token lets any new agent register itself (many hosts, one token).
- A host token belongs to one host, named when it is created and bound to the
  first agent that reports with it; revoking it cuts that agent off.

Only a SHA-256 digest of each token is stored: tokens are 32 random bytes, so a
fast digest is as strong as a slow password hash, and checking one is a lookup.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any, Literal

import msgspec

from hostwatch.hub.database import HubDatabase

TOKEN_PREFIX = "hwa_"
TokenKind = Literal["enrol", "host"]

_COLUMNS = "id, name, kind, host_id, created_at, revoked_at, digest"


class AgentToken(msgspec.Struct, kw_only=True):
    """A stored token, without the token itself."""

    id: int
    name: str
    """A note for an enrolment token; the host's name for a host token."""
    kind: TokenKind
    host_id: int | None = None
    """The host a host token is bound to, once its agent has reported."""
    created_at: float
    revoked_at: float = 0.0


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token(row: tuple[Any, ...]) -> AgentToken:
    return AgentToken(id=row[0], name=row[1], kind=row[2], host_id=row[3], created_at=row[4],
                      revoked_at=row[5])


class AgentTokens:
    """Create, list, verify, bind and revoke agent tokens in hub.sqlite."""

    def __init__(self, database: HubDatabase) -> None:
        self.database = database

    def create(self, name: str, kind: TokenKind = "enrol") -> tuple[AgentToken, str]:
        """A new token and its only plaintext copy."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = time.time()
        with self.database.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO agent_tokens (name, kind, digest, created_at) VALUES (?, ?, ?, ?)",
                (name, kind, _digest(token), now))
        return AgentToken(id=cursor.lastrowid or 0, name=name, kind=kind, created_at=now), token

    def list(self) -> list[AgentToken]:
        """Every token, revoked ones included."""
        rows = self.database.query(f"SELECT {_COLUMNS} FROM agent_tokens ORDER BY id")
        return [_token(row) for row in rows]

    def verify(self, token: str) -> AgentToken | None:
        """The live token matching `token`, or None (unknown or revoked)."""
        digest = _digest(token)
        rows = self.database.query(f"SELECT {_COLUMNS} FROM agent_tokens WHERE digest = ?", (digest,))
        if not rows or not hmac.compare_digest(rows[0][6], digest) or rows[0][5]:
            return None
        return _token(rows[0])

    def bind(self, token_id: int, host_id: int) -> None:
        """Tie a host token to the host its first report registered."""
        with self.database.transaction() as connection:
            connection.execute("UPDATE agent_tokens SET host_id = ? WHERE id = ?", (host_id, token_id))

    def revoke(self, token_id: int) -> bool:
        """Revoke a token; False when there is no such live token."""
        with self.database.transaction() as connection:
            cursor = connection.execute(
                "UPDATE agent_tokens SET revoked_at = ? WHERE id = ? AND revoked_at = 0",
                (time.time(), token_id))
        return cursor.rowcount > 0
