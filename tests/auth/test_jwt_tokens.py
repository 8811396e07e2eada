"""The hub's JWTs: minting, verifying, expiry, tampering, and the secret file in the data dir."""

from __future__ import annotations

import secrets
import stat
import time
from pathlib import Path

import pytest

from hostwatch.auth import jwt_tokens
from hostwatch.errors import ConfigError


def test_a_minted_token_verifies_until_its_expiry(tmp_path: Path) -> None:
    """A fresh token is valid and reports when it expires."""
    secret = jwt_tokens.load_or_create_secret(tmp_path)
    before = time.time()
    verdict = jwt_tokens.verify(jwt_tokens.mint(secret, 3600), secret)
    assert verdict.ok
    assert verdict.expires_at is not None
    assert before + 3590 <= verdict.expires_at <= time.time() + 3601


def test_an_expired_token_is_refused_as_expired(tmp_path: Path) -> None:
    """A token past its `exp` fails with "token expired", not a generic reason."""
    secret = jwt_tokens.load_or_create_secret(tmp_path)
    token = jwt_tokens.mint(secret, 3600, now=time.time() - 7200)
    assert jwt_tokens.verify(token, secret).reason == jwt_tokens.EXPIRED


def test_another_secret_or_a_tampered_token_is_invalid(tmp_path: Path) -> None:
    """A token signed with another key, an edited payload, or garbage fails with "invalid token"."""
    secret = jwt_tokens.load_or_create_secret(tmp_path)
    foreign = jwt_tokens.mint(secrets.token_bytes(32), 3600)
    assert jwt_tokens.verify(foreign, secret).reason == jwt_tokens.INVALID
    header, payload, signature = jwt_tokens.mint(secret, 3600).split(".")
    other_payload = jwt_tokens.mint(secret, 7200, now=time.time() + 1).split(".")[1]
    assert jwt_tokens.verify(f"{header}.{other_payload}.{signature}", secret).reason == jwt_tokens.INVALID
    assert jwt_tokens.verify(f"{header}.{payload}.{signature[:-2]}xx", secret).reason == jwt_tokens.INVALID
    assert jwt_tokens.verify("not-a-jwt", secret).reason == jwt_tokens.INVALID


def test_a_token_without_exp_is_refused(tmp_path: Path) -> None:
    """`exp` is required: a never-expiring token signed with the secret is still refused."""
    import jwt

    secret = jwt_tokens.load_or_create_secret(tmp_path)
    token = jwt.encode({"iat": int(time.time())}, secret, algorithm="HS256")
    assert jwt_tokens.verify(token, secret).reason == jwt_tokens.INVALID


def test_no_secret_means_no_jwt_is_valid(tmp_path: Path) -> None:
    """A data dir without a secret accepts no JWT, and reading does not create one."""
    token = jwt_tokens.mint(secrets.token_bytes(32), 3600)
    secret = jwt_tokens.load_secret(tmp_path)
    assert secret is None
    assert jwt_tokens.verify(token, secret).reason == jwt_tokens.INVALID
    assert not jwt_tokens.secret_path(tmp_path).exists()


def test_the_secret_is_created_private_and_then_reused(tmp_path: Path) -> None:
    """The secret file is made 0600 on first use, holds 32 bytes, and later calls read the same one."""
    data_dir = tmp_path / "data"
    first = jwt_tokens.load_or_create_secret(data_dir)
    path = jwt_tokens.secret_path(data_dir)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == jwt_tokens.SECRET_BYTES
    assert jwt_tokens.load_or_create_secret(data_dir) == first
    assert jwt_tokens.load_secret(data_dir) == first
    assert [p.name for p in data_dir.iterdir()] == [jwt_tokens.SECRET_FILE]  # no temporary left behind


def test_a_malformed_secret_is_a_config_error_that_hides_its_content(tmp_path: Path) -> None:
    """A truncated or non-hex secret file is refused with a message naming the file, not its content."""
    jwt_tokens.secret_path(tmp_path).write_text("abcd-not-hex\n")
    with pytest.raises(ConfigError) as refused:
        jwt_tokens.load_secret(tmp_path)
    assert "abcd" not in str(refused.value)
    assert str(jwt_tokens.secret_path(tmp_path)) in str(refused.value)
