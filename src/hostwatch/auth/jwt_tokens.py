"""JWTs the hub signs for in-socket authentication (TurboCore's `auth <token>`).

Tokens are HS256, signed with a 32-byte secret kept in `DATA_DIR/jwt-secret`
(hex, mode 0600). `hostwatch token jwt` creates the secret on first use; the
server only reads it, on every check, so deleting the file revokes every token
minted so far without a restart, and a server whose data dir holds no secret
simply accepts no JWT.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import jwt

from hostwatch.errors import ConfigError

SECRET_FILE = "jwt-secret"
SECRET_BYTES = 32
ALGORITHM = "HS256"
ISSUER = "hostwatch"

INVALID = "invalid token"
EXPIRED = "token expired"


def secret_path(data_dir: Path) -> Path:
    """Where the signing secret lives in `data_dir`."""
    return data_dir / SECRET_FILE


def load_secret(data_dir: Path) -> bytes | None:
    """The signing secret, or None when none was created yet."""
    path = secret_path(data_dir)
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the JWT secret {path}: {exc.__class__.__name__}") from None
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) < SECRET_BYTES:
        # The message names the file, never its content.
        raise ConfigError(f"the JWT secret {path} is malformed; delete it to make a new one")
    return secret


def load_or_create_secret(data_dir: Path) -> bytes:
    """The signing secret, created (0600, atomically) when missing.

    The new secret is written in full to a private temporary file and then
    hard-linked to its name: the link fails if the name exists, so two
    processes racing to create it both end up with the one that won, and no
    reader ever sees a half-written file.
    """
    existing = load_secret(data_dir)
    if existing is not None:
        return existing
    data_dir.mkdir(parents=True, exist_ok=True)
    path = secret_path(data_dir)
    temporary = data_dir / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(SECRET_BYTES) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process created it first: use theirs
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    secret = load_secret(data_dir)
    if secret is None:  # removed between the link and the read
        raise ConfigError(f"the JWT secret {path} vanished while being created")
    return secret


def mint(secret: bytes, ttl: float, now: float | None = None) -> str:
    """A JWT valid for `ttl` seconds from `now` (default: the current time)."""
    issued = int(time.time() if now is None else now)
    claims = {"iss": ISSUER, "iat": issued, "exp": issued + max(1, round(ttl))}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


@dataclass(frozen=True)
class Verification:
    """The outcome of checking a JWT: `reason` is None when it is valid."""

    reason: str | None
    expires_at: float | None = None
    """Unix seconds after which the token no longer holds (valid tokens only)."""

    @property
    def ok(self) -> bool:
        """True when the token is valid."""
        return self.reason is None


def verify(token: str, secret: bytes | None) -> Verification:
    """Check the signature, `exp` (required) and `iat` (when present) of `token`."""
    if secret is None:
        return Verification(INVALID)
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["exp"]},
        )
    except jwt.ExpiredSignatureError:
        return Verification(EXPIRED)
    except jwt.InvalidTokenError:
        return Verification(INVALID)
    return Verification(None, float(claims["exp"]))
