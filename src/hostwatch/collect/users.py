"""User names for numeric ids, looked up once per id."""

from __future__ import annotations

import functools
import pwd


@functools.lru_cache(maxsize=4096)
def username(uid: int) -> str:
    """The login name of `uid`, or the number itself when the password database has no entry."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)
