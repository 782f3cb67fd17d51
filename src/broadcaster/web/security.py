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


def local_target(target: str | None) -> str:
    """`target` when it is a path on this site, else "/": where login may send the browser.

    Browsers drop tabs and newlines from a URL and read a backslash as a
    slash, so "/\\t/evil.example" and "/\\\\evil.example" lead to another
    site as surely as "//evil.example"; a target with any of them, any other
    control character or space, or a scheme, is refused, and so is one that
    reads so once percent-decoded.

    >>> local_target("/broadcasts/3?x=1"), local_target("/\\t/evil.example"), local_target("/%5Cevil.example")
    ('/broadcasts/3?x=1', '/', '/')
    """
    from urllib.parse import unquote, urlsplit

    if not target:
        return "/"
    for form in (target, unquote(target)):
        if not form.startswith("/") or form[1:2] in ("/", "\\") or "\\" in form:
            return "/"
        if any(ord(c) < 0x21 or ord(c) == 0x7F for c in form):
            return "/"
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return "/"
    return target


FREE_TRIES = 5  # wrong passwords from one address before it must wait
FIRST_WAIT_S = 30.0  # then 30 s, doubling with each further wrong password ...
MAX_WAIT_S = 15 * 60.0  # ... up to a quarter of an hour
FORGET_S = 3600.0  # an address with no wrong password for an hour starts afresh
MAX_ADDRESSES = 10_000  # the table never grows without bound, whoever sends requests


class LoginThrottle:
    """Wrong passwords counted per address: after `FREE_TRIES`, that address waits before
    it may try again, twice as long after each further miss. While it waits the password
    is not even checked, so guessing gains nothing. One per application (no shared state).

    >>> t = LoginThrottle(clock=lambda: 100.0)
    >>> for _ in range(FREE_TRIES): t.failed("10.0.0.9")
    >>> t.wait_s("10.0.0.9"), t.wait_s("10.0.0.8")
    (30.0, 0.0)
    """

    def __init__(self, clock=time.monotonic):
        import threading

        self.clock = clock
        self._misses: dict[str, tuple[int, float]] = {}  # address -> (wrong passwords, time of the last)
        self._lock = threading.Lock()  # waitress answers on several threads

    def wait_s(self, address: str) -> float:
        """Seconds `address` must still wait before a password from it is checked (0: none)."""
        with self._lock:
            count, last = self._misses.get(address, (0, 0.0))
        if count < FREE_TRIES:
            return 0.0
        return max(0.0, last + min(FIRST_WAIT_S * 2 ** (count - FREE_TRIES), MAX_WAIT_S) - self.clock())

    def failed(self, address: str) -> None:
        now = self.clock()
        with self._lock:
            count, last = self._misses.get(address, (0, 0.0))
            if now - last > FORGET_S:
                count = 0
            self._misses[address] = (count + 1, now)
            if len(self._misses) > MAX_ADDRESSES:
                stale = [a for a, (_, t) in self._misses.items() if now - t > FORGET_S]
                for a in stale or sorted(self._misses, key=lambda a: self._misses[a][1])[: MAX_ADDRESSES // 10]:
                    del self._misses[a]

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._misses.pop(address, None)


def wait_zh(seconds: float) -> str:
    """How long to wait, in words, rounded up.

    >>> wait_zh(29.2), wait_zh(61)
    ('30 秒', '2 分钟')
    """
    import math

    return f"{math.ceil(seconds)} 秒" if seconds <= 60 else f"{math.ceil(seconds / 60)} 分钟"
