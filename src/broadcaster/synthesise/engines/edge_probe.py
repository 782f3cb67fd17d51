"""Is the edge service reachable at all? One quick TCP connection before a batch.

With the network down, every request would otherwise spend the whole retry
schedule (five attempts, each up to the 10 s connect timeout, plus backoff:
about 58 s) before the render turns to its fallback voice. The probe opens one
TCP connection to the service's host and port (no TLS, no request) within
`budget_s`; when that fails the batch gives up at once (edge_retry.Batch.trip)
and every item is spoken by the fallback.

Within the budget a refused connection or a failed name lookup is tried again
every `pause_s`: a service (or a proxy) that is restarting gets its moment,
while a dead network costs at most `budget_s`. A connection that hangs simply
uses up the budget. Once the TCP connection works, what goes wrong afterwards
is the service's problem, not the network's, and keeps the normal retries.

>>> host_port("wss://speech.platform.bing.com/consumer/speech?x=1")
('speech.platform.bing.com', 443)
>>> host_port("ws://127.0.0.1:8123/edge/v1")
('127.0.0.1', 8123)
"""
from __future__ import annotations

import asyncio
import os
import socket
import time
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit

Opener = Callable[[str, int], Awaitable[Any]]


class NetworkDown(ConnectionError):
    """The service's host could not be reached within the probe's budget."""

    def __init__(self, message: str, tries: int):
        super().__init__(message)
        self.tries = tries

    def __str__(self) -> str:
        return str(self.args[0])


def host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    default = 443 if parts.scheme in ("wss", "https") else 80
    return parts.hostname or "", parts.port or default


def explain(e: BaseException, host: str, port: int) -> str:
    """One line for the manifest's fallback reason, always naming the network."""
    if isinstance(e, socket.gaierror):
        return f"the network looks down: cannot resolve {host} ({e.strerror or e})"
    if isinstance(e, (asyncio.TimeoutError, TimeoutError)):
        return f"the network looks down: no answer from {host}:{port} (connection timed out)"
    # asyncio's own message is "Connect call failed (...)"; the errno says why
    errno = getattr(e, "errno", None)
    why = os.strerror(errno) if errno else (str(e) or type(e).__name__)
    return f"the network looks down: cannot connect to {host}:{port} ({why})"


async def _open(host: str, port: int) -> Any:
    # Happy eyeballs: a host with a dead IPv6 route must not use up the budget
    # on its first address while IPv4 works (aiohttp does the same).
    return await asyncio.open_connection(host, port, happy_eyeballs_delay=0.25)


async def probe(url: str, budget_s: float, *, pause_s: float = 0.2, opener: Opener | None = None) -> int:
    """Open and close one TCP connection to `url`'s host within `budget_s`.

    Returns how many connections were tried; raises NetworkDown (its message
    names the host and the last error) when none succeeded. `opener(host, port)`
    replaces asyncio.open_connection (tests use it to fail the name lookup
    without asking a real resolver).
    """
    host, port = host_port(url)
    opener = opener or _open
    deadline = time.monotonic() + budget_s
    tries = 0
    while True:
        tries += 1
        left = deadline - time.monotonic()
        try:
            _reader, writer = await asyncio.wait_for(opener(host, port), max(left, 0.01))
        except asyncio.CancelledError:
            raise
        except (OSError, asyncio.TimeoutError) as e:  # refused, unreachable, unresolvable, timed out
            if isinstance(e, asyncio.TimeoutError) or deadline - time.monotonic() <= pause_s:
                raise NetworkDown(explain(e, host, port), tries) from e
            await asyncio.sleep(pause_s)
            continue
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass  # closed by the other side first: it was there, which is all we asked
        return tries
