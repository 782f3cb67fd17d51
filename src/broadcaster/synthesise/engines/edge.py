"""Microsoft Edge neural voices through the `edge-tts` package (online).

`EdgeEngine.synthesize_many` speaks many segments over a bounded number of
websocket connections at once, retries what fails (handshake errors such as
403/503, refused or reset connections, timeouts, streams with no audio, and
audio that arrives *truncated*), and returns each request's exception in its
slot when it gives up, so that the render can speak that item with the
fallback engine.

Every segment is checked for truncation after decoding (edge_truncation.py);
which failures are retried, the backoff and the breaker are in edge_retry.py.
Before the first attempt, one TCP connection to the service (edge_probe.py,
at most ``probe_s`` seconds; 0 turns it off) tells a dead network from a
flaky service: when it fails, the whole batch is given up at once.

Settings (constructor argument, else environment variable, else default):

=====================  =====================================  ========
argument               environment                            default
=====================  =====================================  ========
concurrency            BROADCASTER_EDGE_CONCURRENCY           4
attempts               BROADCASTER_EDGE_ATTEMPTS              5
backoff_base_s         BROADCASTER_EDGE_BACKOFF_S             0.5
backoff_cap_s          BROADCASTER_EDGE_BACKOFF_CAP_S         8.0
connect_timeout_s      BROADCASTER_EDGE_CONNECT_TIMEOUT_S     10
probe_s                BROADCASTER_EDGE_PROBE_S               2
receive_timeout_s      BROADCASTER_EDGE_RECEIVE_TIMEOUT_S     30
wss_url                BROADCASTER_EDGE_WSS_URL               (Microsoft's)
voices_url             BROADCASTER_EDGE_VOICES_URL            (from wss_url)
=====================  =====================================  ========

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
import time
from typing import Any, Awaitable, Callable, Sequence, TypeVar
from urllib.parse import parse_qs, urlsplit

import numpy as np

from broadcaster import settings
from broadcaster.errors import InputError, SynthesisError
from broadcaster.model import SentenceMark, Speech, SpeechRequest, Voice, VoiceInfo
from broadcaster.synthesise.engines.base import Progress, ResultSink
from broadcaster.synthesise.engines.edge_probe import NetworkDown, probe
from broadcaster.synthesise.engines.edge_retry import Batch, backoff_s, describe, retryable
from broadcaster.synthesise.engines.edge_truncation import DecodeError, EmptyAudio, TruncatedAudio, truncation_problem
from broadcaster.synthesise.engines.edge_voices import (
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
ENV_PROBE = "BROADCASTER_EDGE_PROBE_S"
ENV_WSS_URL = "BROADCASTER_EDGE_WSS_URL"
ENV_VOICES_URL = "BROADCASTER_EDGE_VOICES_URL"

DEFAULT_VOICE = "zh-CN-XiaoxiaoNeural"
SAMPLE_RATE = 24_000  # the service's audio-24khz-48kbitrate-mono-mp3
TICKS_PER_SECOND = 10_000_000  # edge-tts offsets and durations are in 100-ns units

T = TypeVar("T")


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
        probe_s: float | None = None,
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
        self.probe_s = _pick(probe_s, ENV_PROBE)
        if self.concurrency < 1:
            raise InputError(f"edge concurrency must be at least 1, got {self.concurrency}")
        if self.attempts < 1:
            raise InputError(f"edge attempts must be at least 1, got {self.attempts}")
        if min(self.backoff_base_s, self.backoff_cap_s) < 0:
            raise InputError("edge backoff must not be negative")
        if min(self.connect_timeout_s, self.receive_timeout_s) <= 0:
            raise InputError("edge timeouts must be positive")
        if self.probe_s < 0:
            raise InputError("edge probe time must not be negative (0 turns the probe off)")
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

    def load_libraries(self) -> None:
        """Import what synthesis imports on first use (render.load_libraries):
        edge-tts, and what respells dictionary words (homophones.py)."""
        import edge_tts  # noqa: F401
        import pypinyin  # noqa: F401
        import pypinyin_dict.pinyin_data.kxhc1983  # noqa: F401

        import broadcaster.synthesise.engines.homophones  # noqa: F401

    # -- identity and voices ----------------------------------------------------

    def model_id(self) -> str:
        import edge_tts

        # "respell-1": dictionary words are sent respelled (homophones.py), so a
        # segment with pinyin sounds different from what earlier versions cached.
        return f"edge-tts-{edge_tts.__version__}/respell-1"

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
            log.info("edge voice list unavailable: %s", describe(e))
            return builtin_voices(), f"{BUILTIN_NOTE} ({describe(e)})"

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
        batch = Batch(
            connections=asyncio.Semaphore(self.concurrency),
            decoders=asyncio.Semaphore(max(1, os.cpu_count() or 1)),
            breaker_after=self.breaker_after,
            breaker_min_s=self.breaker_min_s,
        )
        batch.stats["requests"] = len(requests)
        started = time.monotonic()
        if self.probe_s > 0 and any(r.text.strip() for r in requests):
            await self._probe(batch)

        async def one(index: int, req: SpeechRequest) -> Speech | Exception:
            try:
                result: Speech | Exception = await self._synthesize_one(req, batch)
            except Exception as e:  # noqa: BLE001 - never raise for one request
                result = SynthesisError(f"edge-tts: unexpected error: {describe(e)}")
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

    async def _probe(self, batch: Batch) -> None:
        """Trip the batch's breaker when the service's host cannot be reached at all."""
        import edge_tts.communicate  # loaded by load_libraries, before any thread

        url = self.wss_url or edge_tts.communicate.WSS_URL
        try:
            batch.stats["probe_tries"] = await probe(url, self.probe_s)
        except NetworkDown as e:
            batch.stats["probe_tries"] = e.tries
            log.info("edge-tts: %s; every segment goes to the fallback", e)
            batch.trip(str(e))

    @staticmethod
    def _text(req: SpeechRequest) -> str:
        """What is sent: the text, dictionary words respelled with characters
        that have only their pinyin (edge takes no phonemes; homophones.py)."""
        if not req.pinyin:
            return req.text
        from broadcaster.synthesise.engines.homophones import respell

        return respell(req.text, req.pinyin).text

    def reading_notes(self, req: SpeechRequest) -> tuple[str, ...]:
        """How each dictionary word of `req` is said (or that its reading could not be forced)."""
        if not req.pinyin:
            return ()
        from broadcaster.synthesise.engines.homophones import respell

        return tuple(f"edge: {note}" for note in respell(req.text, req.pinyin).notes)

    async def _synthesize_one(self, req: SpeechRequest, batch: Batch) -> Speech | Exception:
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
                err = SynthesisError(batch.give_up_message())
                err.__cause__ = last
                return err
            attempt += 1
            batch.stats["attempts"] += 1
            try:
                speech = await self._attempt(self._text(req), name, voice, batch)
                batch.attempt_succeeded()
                return speech
            except asyncio.CancelledError:
                raise
            except Exception as e:  # noqa: BLE001 - classified below
                last = e
                batch.attempt_failed(e)
                if not retryable(e):
                    break
                if attempt < self.attempts:
                    delay = backoff_s(attempt, self.backoff_base_s, self.backoff_cap_s, self._rng)
                    log.info("edge-tts attempt %d/%d failed (%s); retrying in %.2f s",
                             attempt, self.attempts, describe(e), delay)
                    batch.stats["retries"] += 1
                    await asyncio.sleep(delay)
        assert last is not None
        batch.stats["failed"] += 1
        kind = "audio truncated" if isinstance(last, TruncatedAudio) else "failed"
        err = SynthesisError(
            f"edge-tts {kind} for {name} after {attempt} attempt(s): {describe(last)}"
        )
        err.__cause__ = last
        return err

    async def _attempt(self, text: str, name: str, voice: Voice, batch: Batch) -> Speech:
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
    from broadcaster.codec import ffmpeg_exe  # the one lookup: BROADCASTER_FFMPEG, pip's, PATH

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
