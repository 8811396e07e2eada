"""The access token of token mode: generated or given, kept only as a digest, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

COOKIE_NAME = "hostwatch_token"


def generate_token() -> str:
    """A new URL-safe token with 256 bits of randomness."""
    return secrets.token_urlsafe(32)


class TokenVerifier:
    """Checks presented tokens and cookies without keeping the token itself.

    The cookie carries an HMAC of the token rather than the token, so a leaked
    cookie jar does not hand out the token that also unlocks `Authorization`.
    """

    def __init__(self, token: str) -> None:
        self._digest = hashlib.sha256(token.encode()).digest()
        self._cookie = hmac.new(self._digest, b"hostwatch-cookie-v1", hashlib.sha256).hexdigest()

    def check_token(self, presented: str | None) -> bool:
        """True when `presented` is the token; constant time in its content."""
        if not presented:
            return False
        candidate = hashlib.sha256(presented.encode()).digest()
        return hmac.compare_digest(candidate, self._digest)

    @property
    def cookie_value(self) -> str:
        """What the auth cookie holds once a visit proved the token."""
        return self._cookie

    def check_cookie(self, presented: str | None) -> bool:
        """True when `presented` is the auth cookie's value."""
        if not presented:
            return False
        return hmac.compare_digest(presented.encode(), self._cookie.encode())
