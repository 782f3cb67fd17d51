"""Password, login and cross-site request protection for `broadcaster serve`.

The password is stored as scrypt(password, salt) in the data folder's
`password` file, never in clear. Login puts the time in the signed session
cookie; a session older than `SESSION_S` is over. Every POST carries the
session's CSRF token in a hidden field (or the X-CSRF-Token header) and is
refused without it: another site's page cannot submit a render or change
the dictionary through the staff member's browser.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
from pathlib import Path

SESSION_S = 8 * 3600  # a working day
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str, salt: bytes | None = None) -> str:
    """`scrypt$<salt hex>$<hash hex>`

    >>> check_password("村广播", hash_password("村广播"))
    True
    """
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_hex, digest_hex = stored.strip().split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt_hex), n=_N, r=_R, p=_P)
    return hmac.compare_digest(digest.hex(), digest_hex)


def save_password(path: Path, password: str) -> None:
    from broadcaster.durable import write_atomic

    write_atomic(path, hash_password(password).encode("ascii"))
    path.chmod(0o600)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def csrf_token(session) -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def csrf_ok(session, sent: str | None) -> bool:
    return bool(sent) and "csrf" in session and hmac.compare_digest(session["csrf"], sent)


def logged_in(session, now: float | None = None) -> bool:
    started = session.get("login_at")
    return isinstance(started, (int, float)) and 0 <= (now or time.time()) - started < SESSION_S
