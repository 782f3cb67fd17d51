"""How the edge engine retries: which failures are worth another attempt, how
long to wait, and when the service is down altogether (the breaker).

When ``breaker_after`` attempts in a row failed and nothing has succeeded for
``breaker_min_s`` (by default one request's whole retry schedule), the
remaining requests are given up at once instead of each waiting through its
own retries; the render then speaks them with the fallback. A failed
reachability probe (edge_probe.py) opens the breaker before any attempt.
"""
from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

from broadcaster.synthesise.engines.edge_truncation import DecodeError, EmptyAudio, TruncatedAudio


def retryable(e: BaseException) -> bool:
    import aiohttp
    from edge_tts.exceptions import EdgeTTSException

    if isinstance(e, aiohttp.ClientResponseError):  # includes WSServerHandshakeError
        return e.status in (403, 408, 425, 429) or e.status >= 500
    if isinstance(e, (TruncatedAudio, DecodeError, EmptyAudio)):
        return True
    return isinstance(e, (EdgeTTSException, aiohttp.ClientError, OSError, asyncio.TimeoutError, TimeoutError))


def describe(e: BaseException) -> str:
    import aiohttp

    if isinstance(e, aiohttp.ClientResponseError):
        return f"HTTP {e.status} from the service ({type(e).__name__})"
    if isinstance(e, aiohttp.ClientConnectorError):
        reason = e.os_error.strerror or str(e.os_error) if e.os_error else "connection failed"
        return f"cannot connect to {e.host}:{e.port} ({reason})"
    if isinstance(e, (asyncio.TimeoutError, TimeoutError)):
        return str(e) or "timed out"
    text = str(e).strip()
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


@dataclass
class Batch:
    """State shared by the requests of one synthesize_many call."""

    connections: asyncio.Semaphore
    decoders: asyncio.Semaphore
    breaker_after: int
    breaker_min_s: float
    failed_in_a_row: int = 0
    streak_started: float = 0.0
    last_error: str = ""
    down: str = ""  # why the probe found the network down; set, it gives up on everything
    stats: dict = field(default_factory=lambda: {
        "requests": 0, "attempts": 0, "retries": 0, "failed": 0, "short_circuited": 0, "errors": {},
        "probe_tries": 0,
    })

    @property
    def open(self) -> bool:
        """Give up on the rest: the last `breaker_after` attempts all failed, and
        nothing has succeeded for `breaker_min_s` (a full retry schedule); or
        the probe found the network down."""
        return bool(self.down) or (
            self.breaker_after > 0
            and self.failed_in_a_row >= self.breaker_after
            and time.monotonic() - self.streak_started >= self.breaker_min_s
        )

    def attempt_failed(self, e: BaseException) -> None:
        if self.failed_in_a_row == 0:
            self.streak_started = time.monotonic()
        self.failed_in_a_row += 1
        self.last_error = describe(e)
        key = type(e).__name__
        self.stats["errors"][key] = self.stats["errors"].get(key, 0) + 1

    def trip(self, reason: str) -> None:
        """Open the breaker now: the network is down (edge_probe.probe failed)."""
        self.down = reason
        self.last_error = reason

    def give_up_message(self) -> str:
        if self.down:
            return f"edge-tts: gave up on the service before trying it: {self.down}"
        return (
            f"edge-tts: gave up on the service after {self.failed_in_a_row} failed attempts "
            f"in a row (last error: {self.last_error})"
        )

    def attempt_succeeded(self) -> None:
        self.failed_in_a_row = 0


def backoff_s(attempt: int, base_s: float, cap_s: float, rng: random.Random) -> float:
    """Exponential backoff with jitter before retry `attempt` (1, 2, ...): half fixed, half random.

    >>> 0.5 <= backoff_s(2, 0.5, 8.0, random.Random(1)) <= 1.0
    True
    """
    ceiling = min(cap_s, base_s * (2 ** (attempt - 1)))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)
