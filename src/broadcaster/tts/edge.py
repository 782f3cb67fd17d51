"""Microsoft Edge neural voices through the `edge-tts` package (online).

`EdgeEngine.synthesize_many` speaks many segments over a bounded number of
websocket connections at once, retries what fails (handshake errors such as
403/503, refused or reset connections, timeouts, streams with no audio, and
audio that arrives *truncated*), and returns each request's exception in its
slot when it gives up, so that the render can speak that item with the
fallback engine.

Truncation: when the connection closes in the middle of a turn, edge-tts ends
the stream without an error and with only part of the audio. Every segment is
therefore checked after decoding: the turn must have ended properly
(``turn.end`` seen), the audio must reach the end of the last SentenceBoundary,
the boundaries must cover the whole text (checked only when
they can be found in it verbatim), and it must not be implausibly short for its text (more than ``max_chars_per_s``
spoken characters a second at rate +0%; Mandarin broadcast speech is 3-6).

Settings (constructor argument, else environment variable, else default):

=====================  =====================================  ========
argument               environment                            default
=====================  =====================================  ========
concurrency            BROADCASTER_EDGE_CONCURRENCY           4
attempts               BROADCASTER_EDGE_ATTEMPTS              5
backoff_base_s         BROADCASTER_EDGE_BACKOFF_S             0.5
backoff_cap_s          BROADCASTER_EDGE_BACKOFF_CAP_S         8.0
connect_timeout_s      BROADCASTER_EDGE_CONNECT_TIMEOUT_S     10
receive_timeout_s      BROADCASTER_EDGE_RECEIVE_TIMEOUT_S     30
wss_url                BROADCASTER_EDGE_WSS_URL               (Microsoft's)
voices_url             BROADCASTER_EDGE_VOICES_URL            (from wss_url)
=====================  =====================================  ========

When the service is down altogether (``breaker_after`` attempts in a row failed
and nothing has succeeded for ``breaker_min_s``, by default one request's whole
retry schedule), the remaining requests are given up at once instead of each
waiting through its own retries; the render then speaks them with the fallback.

``BROADCASTER_EDGE_WSS_URL`` is a testing / proxy hook: it replaces the service
address (``edge_tts.communicate.WSS_URL``, which must end in a query string such
as ``?TrustedClientToken=...`` since edge-tts appends ``&ConnectionId=...``).
The tests point it at a local fake of the service. When it is set and no
voices URL is given, the voice list is fetched from the same host, so nothing
goes to Microsoft. The override is process-wide (edge-tts keeps the address in
a module global).
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import math
import os
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Sequence, TypeVar
from urllib.parse import parse_qs, urlsplit

import numpy as np

from broadcaster import settings
from broadcaster.errors import InputError, SynthesisError
from broadcaster.tts.base import Progress, ResultSink, SentenceMark, Speech, SpeechRequest, Voice, VoiceInfo
from broadcaster.tts.edge_voices import (
    BUILTIN_NOTE,
    LONG_NAME,
    SHORT_NAME,
    builtin_voices,
    locale_of,
    sort_voices,
)

log = logging.getLogger(__name__)

ENV_CONCURRENCY = "BROADCASTER_EDGE_CONCURRENCY"
ENV_ATTEMPTS = "BROADCASTER_EDGE_ATTEMPTS"
ENV_BACKOFF = "BROADCASTER_EDGE_BACKOFF_S"
ENV_BACKOFF_CAP = "BROADCASTER_EDGE_BACKOFF_CAP_S"
ENV_CONNECT_TIMEOUT = "BROADCASTER_EDGE_CONNECT_TIMEOUT_S"
ENV_RECEIVE_TIMEOUT = "BROADCASTER_EDGE_RECEIVE_TIMEOUT_S"
ENV_WSS_URL = "BROADCASTER_EDGE_WSS_URL"
ENV_VOICES_URL = "BROADCASTER_EDGE_VOICES_URL"

DEFAULT_VOICE = "zh-CN-XiaoxiaoNeural"
SAMPLE_RATE = 24_000  # the service's audio-24khz-48kbitrate-mono-mp3
TICKS_PER_SECOND = 10_000_000  # edge-tts offsets and durations are in 100-ns units

# Characters the truncation check counts as at least one spoken syllable each.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_DIGITS = re.compile(r"\d+")
_LATIN_WORD = re.compile(r"[A-Za-z]+")

T = TypeVar("T")


class TruncatedAudio(SynthesisError):
    """The service sent less audio than the text needs (the stream was cut short)."""


class DecodeError(SynthesisError):
    """The MP3 from the service could not be decoded."""


class EmptyAudio(SynthesisError):
    """The stream ended normally but carried no audio."""


def _pick(value: T | None, env: str) -> T:
    return value if value is not None else settings.read(env)


def voices_url_for(wss_url: str) -> str:
    """The voice-list address on the same host as a websocket service address."""
    parts = urlsplit(wss_url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    path = parts.path
    if path.endswith("/edge/v1"):
        path = path[: -len("/edge/v1")]
    token = parse_qs(parts.query).get("TrustedClientToken", [""])[0]
    return f"{scheme}://{parts.netloc}{path.rstrip('/')}/voices/list?trustedclienttoken={token}"


def spoken_units(text: str) -> int:
    """A lower bound on the syllables in `text`: Han characters, half the digits,
    one per Latin word. Punctuation and spaces count nothing."""
    units = len(_HAN.findall(text))
    units += sum((len(d) + 1) // 2 for d in _DIGITS.findall(text))
    units += len(_LATIN_WORD.findall(text))
    return units


def uncovered_tail(text: str, marks: Sequence[SentenceMark]) -> str | None:
    """The text after the last sentence boundary, when the boundaries can be found
    in order in `text`; None (no opinion) when they cannot, e.g. if the service
    reported a sentence differently from how it was sent."""
    if not marks:
        return None
    pos = 0
    for m in marks:
        piece = m.text.strip()
        if not piece:
            continue
        at = text.find(piece, pos)
        if at < 0:
            return None
        pos = at + len(piece)
    return text[pos:]


def truncation_problem(
    speech: Speech,
    text: str,
    rate_factor: float,
    *,
    turn_ended: bool = True,
    max_chars_per_s: float = 9.0,
    tolerance_s: float = 0.15,
) -> str | None:
    """Why this audio looks cut short, or None when it looks whole."""
    if not turn_ended:
        return f"the connection closed before the end of the turn ({speech.duration_s:.2f} s received)"
    duration = speech.duration_s
    if speech.marks:
        end = max(m.offset_s + m.duration_s for m in speech.marks)
        if duration + tolerance_s < end:
            return f"audio ends at {duration:.2f} s but the last sentence boundary ends at {end:.2f} s"
    tail = uncovered_tail(text, speech.marks)
    if tail is not None and spoken_units(tail):
        return f"the sentence boundaries stop before {tail.strip()[:24]!r}"
    units = spoken_units(text)
    if units:
        minimum = units / (max_chars_per_s * max(rate_factor, 0.05))
        if duration < minimum:
            return (
                f"{duration:.2f} s of audio for {units} spoken characters "
                f"(at least {minimum:.2f} s expected)"
            )
    return None


def _retryable(e: BaseException) -> bool:
    import aiohttp
    from edge_tts.exceptions import EdgeTTSException

    if isinstance(e, aiohttp.ClientResponseError):  # includes WSServerHandshakeError
        return e.status in (403, 408, 425, 429) or e.status >= 500
    if isinstance(e, (TruncatedAudio, DecodeError, EmptyAudio)):
        return True
    return isinstance(e, (EdgeTTSException, aiohttp.ClientError, OSError, asyncio.TimeoutError, TimeoutError))


def _describe(e: BaseException) -> str:
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


def _run_sync(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion from sync code: in this thread when it has no
    running event loop, else in a fresh thread with its own loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="edge-tts") as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


async def _anext(agen: Any) -> Any:
    return await agen.__anext__()


@dataclass
class _Batch:
    """State shared by the requests of one synthesize_many call."""

    connections: asyncio.Semaphore
    decoders: asyncio.Semaphore
    breaker_after: int
    breaker_min_s: float
    failed_in_a_row: int = 0
    streak_started: float = 0.0
    last_error: str = ""
    stats: dict = field(default_factory=lambda: {
        "requests": 0, "attempts": 0, "retries": 0, "failed": 0, "short_circuited": 0, "errors": {},
    })

    @property
    def open(self) -> bool:
        """Give up on the rest: the last `breaker_after` attempts all failed, and
        nothing has succeeded for `breaker_min_s` (a full retry schedule)."""
        return (
            self.breaker_after > 0
            and self.failed_in_a_row >= self.breaker_after
            and time.monotonic() - self.streak_started >= self.breaker_min_s
        )

    def attempt_failed(self, e: BaseException) -> None:
        if self.failed_in_a_row == 0:
            self.streak_started = time.monotonic()
        self.failed_in_a_row += 1
        self.last_error = _describe(e)
        key = type(e).__name__
        self.stats["errors"][key] = self.stats["errors"].get(key, 0) + 1

    def attempt_succeeded(self) -> None:
        self.failed_in_a_row = 0



class EdgeEngine:
    """Engine "edge": Microsoft's online neural voices via edge-tts."""

    name = "edge"
    needs_network = True  # the render skips it under --offline

    def __init__(
        self,
        *,
        concurrency: int | None = None,
        attempts: int | None = None,
        backoff_base_s: float | None = None,
        backoff_cap_s: float | None = None,
        connect_timeout_s: float | None = None,
        receive_timeout_s: float | None = None,
        wss_url: str | None = None,
        voices_url: str | None = None,
        list_timeout_s: float = 3.0,
        max_chars_per_s: float = 9.0,
        breaker_after: int = 12,
        breaker_min_s: float | None = None,
    ):
        self.concurrency = _pick(concurrency, ENV_CONCURRENCY)
        self.attempts = _pick(attempts, ENV_ATTEMPTS)
        self.backoff_base_s = _pick(backoff_base_s, ENV_BACKOFF)
        self.backoff_cap_s = _pick(backoff_cap_s, ENV_BACKOFF_CAP)
        self.connect_timeout_s = _pick(connect_timeout_s, ENV_CONNECT_TIMEOUT)
        self.receive_timeout_s = _pick(receive_timeout_s, ENV_RECEIVE_TIMEOUT)
        if self.concurrency < 1:
            raise InputError(f"edge concurrency must be at least 1, got {self.concurrency}")
        if self.attempts < 1:
            raise InputError(f"edge attempts must be at least 1, got {self.attempts}")
        if min(self.backoff_base_s, self.backoff_cap_s) < 0:
            raise InputError("edge backoff must not be negative")
        if min(self.connect_timeout_s, self.receive_timeout_s) <= 0:
            raise InputError("edge timeouts must be positive")
        self.wss_url = wss_url or settings.read(ENV_WSS_URL)
        self.voices_url = voices_url or settings.read(ENV_VOICES_URL)
        if self.wss_url and "?" not in self.wss_url:
            from edge_tts.constants import TRUSTED_CLIENT_TOKEN

            self.wss_url += f"?TrustedClientToken={TRUSTED_CLIENT_TOKEN}"
        if self.wss_url and not self.voices_url:
            self.voices_url = voices_url_for(self.wss_url)
        self.list_timeout_s = list_timeout_s
        self.max_chars_per_s = max_chars_per_s
        self.breaker_after = breaker_after
        # by default: as long as one request's whole retry schedule
        self.breaker_min_s = (
            breaker_min_s if breaker_min_s is not None
            else sum(min(self.backoff_cap_s, self.backoff_base_s * 2 ** k) for k in range(self.attempts - 1))
        )
        self.last_stats: dict = {}
        self._rng = random.Random()

    # -- identity and voices ----------------------------------------------------

    def model_id(self) -> str:
        import edge_tts

        return f"edge-tts-{edge_tts.__version__}"

    def default_voice(self) -> str:
        return DEFAULT_VOICE

    def check_voice(self, voice: Voice) -> None:
        name = voice.name
        if name is None:
            return
        if not isinstance(name, str) or not (SHORT_NAME.match(name) or LONG_NAME.match(name)):
            raise InputError(
                f"{name!r} is not an Edge voice name; they look like zh-CN-XiaoxiaoNeural "
                "or zh-CN-shaanxi-XiaoniNeural (list them with the voices command)"
            )

    def list_voices(self) -> tuple[list[VoiceInfo], str]:
        self._apply_urls()
        try:
            raw = _run_sync(lambda: asyncio.wait_for(self._fetch_voices(), self.list_timeout_s))
            voices = []
            for v in raw:
                name = v.get("ShortName") or ""
                if not name:
                    continue
                tags = (v.get("VoiceTag") or {}).get("VoicePersonalities") or []
                note = ", ".join(tags)
                if v.get("Status") == "Deprecated":
                    note = f"deprecated; {note}" if note else "deprecated"
                voices.append(VoiceInfo("edge", name, v.get("Locale") or locale_of(name), v.get("Gender", ""), note))
            if not voices:
                raise ValueError("the service returned an empty voice list")
            return sort_voices(voices), ""
        except Exception as e:  # noqa: BLE001 - any failure means: use the built-in list
            log.info("edge voice list unavailable: %s", _describe(e))
            return builtin_voices(), f"{BUILTIN_NOTE} ({_describe(e)})"

    async def _fetch_voices(self) -> list[dict]:
        import edge_tts

        return await edge_tts.list_voices()

    def _apply_urls(self) -> None:
        """Point edge-tts at the overridden service (process-wide module globals)."""
        import edge_tts.communicate
        import edge_tts.voices

        if self.wss_url:
            edge_tts.communicate.WSS_URL = self.wss_url
        if self.voices_url:
            edge_tts.voices.VOICE_LIST = self.voices_url

    # -- synthesis ----------------------------------------------------------------

    def synthesize_many(
        self, requests: Sequence[SpeechRequest], progress: Progress | None = None, on_result: ResultSink | None = None
    ) -> list[Speech | Exception]:
        requests = list(requests)
        if not requests:
            return []
        self._apply_urls()
        return _run_sync(lambda: self._synthesize_all(requests, progress, on_result))

    async def _synthesize_all(
        self, requests: list[SpeechRequest], progress: Progress | None, on_result: ResultSink | None = None
    ) -> list[Speech | Exception]:
        batch = _Batch(
            connections=asyncio.Semaphore(self.concurrency),
            decoders=asyncio.Semaphore(max(1, os.cpu_count() or 1)),
            breaker_after=self.breaker_after,
            breaker_min_s=self.breaker_min_s,
        )
        batch.stats["requests"] = len(requests)
        started = time.monotonic()

        async def one(index: int, req: SpeechRequest) -> Speech | Exception:
            try:
                result: Speech | Exception = await self._synthesize_one(req, batch)
            except Exception as e:  # noqa: BLE001 - never raise for one request
                result = SynthesisError(f"edge-tts: unexpected error: {_describe(e)}")
                result.__cause__ = e
            if on_result is not None and isinstance(result, Speech):
                on_result(index, result)  # stored at once: a killed render keeps it
            if progress is not None:
                try:
                    progress(1)
                except Exception:  # noqa: BLE001 - a broken progress bar must not lose audio
                    log.exception("progress callback failed")
            return result

        results = await asyncio.gather(*(one(i, r) for i, r in enumerate(requests)))
        batch.stats["seconds"] = round(time.monotonic() - started, 3)
        self.last_stats = batch.stats
        return list(results)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: half fixed, half random."""
        ceiling = min(self.backoff_cap_s, self.backoff_base_s * (2 ** (attempt - 1)))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    async def _synthesize_one(self, req: SpeechRequest, batch: _Batch) -> Speech | Exception:
        voice = req.voice
        name = voice.name or self.default_voice()
        try:
            self.check_voice(Voice(voice.engine, name, voice.rate, voice.volume, voice.pitch))
        except InputError as e:
            return e
        if not req.text.strip():
            return Speech(np.zeros(0, dtype=np.float32), SAMPLE_RATE, [])

        last: BaseException | None = None
        attempt = 0
        while attempt < self.attempts:
            if batch.open:
                batch.stats["short_circuited"] += 1
                err = SynthesisError(
                    f"edge-tts: gave up on the service after {batch.failed_in_a_row} failed attempts "
                    f"in a row (last error: {batch.last_error})"
                )
                err.__cause__ = last
                return err
            attempt += 1
            batch.stats["attempts"] += 1
            try:
                speech = await self._attempt(req.text, name, voice, batch)
                batch.attempt_succeeded()
                return speech
            except asyncio.CancelledError:
                raise
            except Exception as e:  # noqa: BLE001 - classified below
                last = e
                batch.attempt_failed(e)
                if not _retryable(e):
                    break
                if attempt < self.attempts:
                    delay = self._backoff(attempt)
                    log.info("edge-tts attempt %d/%d failed (%s); retrying in %.2f s",
                             attempt, self.attempts, _describe(e), delay)
                    batch.stats["retries"] += 1
                    await asyncio.sleep(delay)
        assert last is not None
        batch.stats["failed"] += 1
        kind = "audio truncated" if isinstance(last, TruncatedAudio) else "failed"
        err = SynthesisError(
            f"edge-tts {kind} for {name} after {attempt} attempt(s): {_describe(last)}"
        )
        err.__cause__ = last
        return err

    async def _attempt(self, text: str, name: str, voice: Voice, batch: _Batch) -> Speech:
        async with batch.connections:
            audio, marks, turn_ended = await self._stream(text, name, voice)
        if not audio:
            raise EmptyAudio("the stream carried no audio")
        async with batch.decoders:
            samples = await decode_mp3(audio)
        speech = Speech(samples, SAMPLE_RATE, marks)
        problem = truncation_problem(
            speech, text, voice.rate_factor, turn_ended=turn_ended, max_chars_per_s=self.max_chars_per_s
        )
        if problem:
            raise TruncatedAudio(f"audio truncated: {problem}")
        return speech

    async def _stream(self, text: str, name: str, voice: Voice) -> tuple[bytes, list[SentenceMark], bool]:
        import edge_tts

        communicate = edge_tts.Communicate(
            text,
            name,
            rate=voice.rate,
            volume=voice.volume,
            pitch=voice.pitch,
            boundary="SentenceBoundary",
            # edge-tts wants whole seconds; the float limits are enforced here
            connect_timeout=max(1, math.ceil(self.connect_timeout_s)),
            receive_timeout=max(1, math.ceil(self.receive_timeout_s)),
        )
        audio = bytearray()
        marks: list[SentenceMark] = []
        stream = communicate.stream()
        first = True
        try:
            while True:
                limit = self.receive_timeout_s + (self.connect_timeout_s if first else 0.0)
                try:
                    chunk = await asyncio.wait_for(_anext(stream), limit)
                except StopAsyncIteration:
                    break
                except asyncio.TimeoutError:
                    what = "connecting or waiting for the first data" if first else "waiting for data"
                    raise asyncio.TimeoutError(f"timed out after {limit:g} s {what}") from None
                first = False
                kind = chunk.get("type")
                if kind == "audio":
                    audio += chunk["data"]
                elif kind == "SentenceBoundary":
                    marks.append(SentenceMark(
                        chunk["offset"] / TICKS_PER_SECOND, chunk["duration"] / TICKS_PER_SECOND, chunk["text"]
                    ))
        finally:
            await stream.aclose()
        # edge-tts zeroes this counter when it sees turn.end; audio counted and not
        # zeroed means the socket closed in the middle of the turn.
        state = getattr(communicate, "state", None) or {}
        turn_ended = not state.get("chunk_audio_bytes", 0)
        return bytes(audio), marks, turn_ended


async def decode_mp3(data: bytes, rate_hz: int = SAMPLE_RATE) -> np.ndarray:
    """MP3 bytes -> mono float32 samples at rate_hz, with the bundled ffmpeg."""
    from broadcaster.audio.codec import ffmpeg_exe  # the one lookup: BROADCASTER_FFMPEG, pip's, PATH

    proc = await asyncio.create_subprocess_exec(
        ffmpeg_exe(), "-nostdin", "-hide_banner", "-v", "error",
        "-f", "mp3", "-i", "pipe:0",
        "-f", "s16le", "-acodec", "pcm_s16le", "-ac", "1", "-ar", str(rate_hz), "pipe:1",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate(data)
    if proc.returncode != 0:
        raise DecodeError(f"ffmpeg could not decode the MP3 ({err.decode(errors='replace').strip()[-200:]})")
    if len(out) < 2:
        raise DecodeError("the MP3 decoded to no samples")
    pcm = np.frombuffer(out[: len(out) // 2 * 2], dtype="<i2")
    return (pcm.astype(np.float32) / 32768.0).clip(-1.0, 1.0)
