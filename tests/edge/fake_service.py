"""A local stand-in for Microsoft's Edge read-aloud speech service.

It speaks the same websocket protocol as the real service, as edge-tts 7.x
parses it (see edge_tts/communicate.py):

* the client connects to ``WSS_URL&ConnectionId=..&Sec-MS-GEC=..&Sec-MS-GEC-Version=..``
  and sends a ``Path:speech.config`` text message, then a ``Path:ssml`` one;
* the service answers ``Path:turn.start``, then ``Path:audio.metadata`` text
  messages (JSON, offsets in 100-ns ticks) interleaved with binary
  ``Path:audio`` frames (2-byte big-endian header length, the header lines,
  then MP3 bytes), an empty audio frame, and ``Path:turn.end``.

The audio is a real 24 kHz mono 48 kbit/s MP3 made with the bundled ffmpeg,
``ms_per_char`` long per character (scaled by the SSML rate), cached per length.
It also serves the voice list at ``.../voices/list``.

Faults are injected per connection (numbered from 0 in the order they
arrive). ``faults`` may be

* ``None``: no faults;
* a fault name: every connection fails that way ("every request fails");
* a mapping ``{connection_number: fault}``: a deterministic schedule;
* a callable ``f(connection_number) -> fault | None``, e.g. ``every_nth``.

Fault names (``FAULTS``):

``403`` / ``503``   the websocket handshake is answered with that status;
``reset``           the TCP connection is cut during the handshake;
``noaudio``         turn.start, then turn.end without any audio;
``drop``            part of the audio (``partial`` of the frames), then a clean
                    websocket close without turn.end - edge-tts ends the stream
                    without an error, so the client sees short audio;
``abort``           part of the audio, then the TCP connection is cut;
``early_end``       part of the audio, then turn.end: a "successful" short stream;
``stall``           turn.start, then nothing until the client gives up.

"Connection refused" is a closed port: ``closed_port_url()`` for a service that
never answers, or ``refuse_for_s`` for one that starts listening late.

``text_faults={"substring": fault}`` injects a stream fault into every
connection whose text contains the substring (a text that always fails).

``max_faults_per_text`` (default: no limit) limits the faults that happen after
the text is known (noaudio, drop, abort, early_end, stall) to that many per
distinct text, so a test that injects a fraction of faults can rely on a retry
getting through. Handshake faults cannot see the text.

Use it as a context manager (the server runs in a background thread with its
own event loop, so sync tests, async tests and subprocesses can all use it)::

    with FakeEdgeService(faults={0: "503"}, latency_s=0.3) as svc:
        svc.url          # give to edge_tts.communicate.WSS_URL or BROADCASTER_EDGE_WSS_URL
        svc.stats()      # connections, max_concurrent, faults injected, texts ...
"""
from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional, Union
from xml.sax.saxutils import escape, unescape

from aiohttp import WSMsgType, web

FAULTS = ("403", "503", "reset", "noaudio", "drop", "abort", "early_end", "stall")
HANDSHAKE_FAULTS = ("403", "503", "reset")
STREAM_FAULTS = ("noaudio", "drop", "abort", "early_end", "stall")

TICKS_PER_SECOND = 10_000_000
SAMPLE_RATE = 24_000
LEAD_S = 0.1  # silence-ish lead before the first sentence, like the real service
TAIL_S = 0.25  # and after the last one
FRAME_BYTES = 1152  # bytes of MP3 per binary message (~0.19 s at 48 kbit/s)
PATH = "/consumer/speech/synthesize/readaloud/edge/v1"
TOKEN = "FAKE0000000000000000000000000000"

# EdgeEngine options that keep tests against the fake quick: tiny backoffs, short timeouts.
FAST = dict(backoff_base_s=0.005, backoff_cap_s=0.02, connect_timeout_s=0.5, receive_timeout_s=0.4)

FaultSpec = Union[None, str, Mapping[int, str], Callable[[int], Optional[str]]]

_SENTENCE_END = re.compile(r"(?<=[。！？!?；;…])")
_VOICE_LONG = re.compile(r"^Microsoft Server Speech Text to Speech Voice \((.+), (.+)\)$")


def every_nth(kinds: str | list[str] | tuple[str, ...], n: int = 3, *, offset: int = 0,
              limit: int | None = None) -> Callable[[int], Optional[str]]:
    """Fault every n-th connection (connection numbers offset, offset+n, ...),
    cycling through `kinds`, at most `limit` faults in all."""
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    for k in kinds:
        if k not in FAULTS:
            raise ValueError(f"unknown fault {k!r}")

    def plan(conn: int) -> Optional[str]:
        if conn < offset or (conn - offset) % n:
            return None
        k = (conn - offset) // n
        if limit is not None and k >= limit:
            return None
        return kinds[k % len(kinds)]

    return plan


def closed_port_url() -> str:
    """A websocket URL on 127.0.0.1 where nothing listens: connection refused."""
    return f"ws://127.0.0.1:{_free_port()}{PATH}?TrustedClientToken={TOKEN}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SynDropped:
    """A black-holed address on 127.0.0.1: a listener whose accept queue is full,
    so the kernel drops new connection attempts and a connect hangs until its
    timeout (``.url``; ``close()`` when done)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(0)
        self.port = self.sock.getsockname()[1]
        self.url = f"ws://127.0.0.1:{self.port}{PATH}?TrustedClientToken={TOKEN}"
        self.fillers: list[socket.socket] = []
        for _ in range(8):  # fill the queue; stop at the first connect that no longer completes
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.settimeout(0.3)
            try:
                c.connect(("127.0.0.1", self.port))
            except OSError:
                c.close()
                break
            self.fillers.append(c)
        else:
            self.close()
            raise RuntimeError("could not fill the accept queue: connections are not dropped")

    def close(self) -> None:
        for c in self.fillers:
            c.close()
        self.sock.close()


class AcceptsSilent:
    """A listener on 127.0.0.1 that accepts every connection and never sends a byte."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"ws://127.0.0.1:{self.port}{PATH}?TrustedClientToken={TOKEN}"
        self.held: list[socket.socket] = []
        threading.Thread(target=self._loop, name="accepts-silent", daemon=True).start()

    def _loop(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for c in list(self.held):
            c.close()


# --- audio -------------------------------------------------------------------

_mp3_cache: dict[int, bytes] = {}
_mp3_lock = threading.Lock()


def fake_mp3(duration_s: float) -> bytes:
    """A real MP3 (24 kHz mono 48 kbit/s, no Xing header) of about duration_s,
    a warbling tone; cached per 10 ms."""
    key = max(1, round(duration_s * 100))
    with _mp3_lock:
        data = _mp3_cache.get(key)
    if data is not None:
        return data
    import imageio_ffmpeg

    expr = "0.25*sin(2*PI*(220+40*sin(2*PI*3*t))*t)*(0.6+0.4*sin(2*PI*4*t))"
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-v", "error",
        "-f", "lavfi", "-i", f"aevalsrc={expr}:s={SAMPLE_RATE}:d={key / 100:.2f}",
        "-ac", "1", "-ar", str(SAMPLE_RATE), "-c:a", "libmp3lame", "-b:a", "48k",
        "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3", "pipe:1",
    ]
    data = subprocess.run(cmd, check=True, capture_output=True).stdout
    with _mp3_lock:
        _mp3_cache[key] = data
    return data


# --- protocol helpers ----------------------------------------------------------


def _timestamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def _text_message(request_id: str, path: str, body: str = "", content_type: str | None = None) -> str:
    head = f"X-RequestId:{request_id}\r\n"
    if content_type:
        head += f"Content-Type:{content_type}\r\n"
    head += f"Path:{path}\r\n"
    return head + "\r\n" + body


def _audio_message(request_id: str, data: bytes) -> bytes:
    head = f"X-RequestId:{request_id}\r\n"
    if data:
        head += "Content-Type:audio/mpeg\r\n"
    head += "X-StreamId:FAKE\r\nPath:audio\r\n"
    hb = head.encode("ascii")
    return len(hb).to_bytes(2, "big") + hb + data


def _headers(message: str) -> tuple[dict[str, str], str]:
    head, _, body = message.partition("\r\n\r\n")
    headers = {}
    for line in head.split("\r\n"):
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip()] = v.strip()
    return headers, body


@dataclass
class Ssml:
    voice: str
    rate: str
    volume: str
    pitch: str
    text: str


def parse_ssml(ssml: str) -> Ssml:
    """Pull the voice, prosody and (unescaped) text out of edge-tts's SSML."""
    m = re.search(r"<voice name='([^']*)'>", ssml)
    voice = m.group(1) if m else ""
    lm = _VOICE_LONG.match(voice)
    if lm:
        voice = f"{lm.group(1)}-{lm.group(2)}"
    p = re.search(r"<prosody pitch='([^']*)' rate='([^']*)' volume='([^']*)'>(.*)</prosody>", ssml, re.S)
    if not p:
        raise ValueError("no prosody element in SSML")
    return Ssml(voice, p.group(2), p.group(3), p.group(1), unescape(p.group(4)))


def _sentences(text: str) -> list[str]:
    parts = [s for s in _SENTENCE_END.split(text) if s.strip()]
    return parts or [text]


# --- the service ---------------------------------------------------------------


@dataclass
class ConnectionRecord:
    number: int
    fault: Optional[str] = None
    text: Optional[str] = None
    voice: Optional[str] = None
    rate: Optional[str] = None
    query: dict = field(default_factory=dict)
    audio_s: float = 0.0
    started: float = 0.0
    ended: float = 0.0


DEFAULT_VOICES = [
    {"Name": "Microsoft Server Speech Text to Speech Voice (zh-CN, XiaoxiaoNeural)",
     "ShortName": "zh-CN-XiaoxiaoNeural", "Gender": "Female", "Locale": "zh-CN"},
    {"Name": "Microsoft Server Speech Text to Speech Voice (en-US, EmmaMultilingualNeural)",
     "ShortName": "en-US-EmmaMultilingualNeural", "Gender": "Female", "Locale": "en-US"},
    {"Name": "Microsoft Server Speech Text to Speech Voice (zh-TW, HsiaoChenNeural)",
     "ShortName": "zh-TW-HsiaoChenNeural", "Gender": "Female", "Locale": "zh-TW"},
    {"Name": "Microsoft Server Speech Text to Speech Voice (zh-CN-shaanxi, XiaoniNeural)",
     "ShortName": "zh-CN-shaanxi-XiaoniNeural", "Gender": "Female", "Locale": "zh-CN-shaanxi"},
    {"Name": "Microsoft Server Speech Text to Speech Voice (zh-HK, HiuGaaiNeural)",
     "ShortName": "zh-HK-HiuGaaiNeural", "Gender": "Female", "Locale": "zh-HK"},
    {"Name": "Microsoft Server Speech Text to Speech Voice (zh-CN, YunyangNeural)",
     "ShortName": "zh-CN-YunyangNeural", "Gender": "Male", "Locale": "zh-CN"},
]


class FakeEdgeService:
    def __init__(
        self,
        faults: FaultSpec = None,
        *,
        latency_s: float = 0.0,
        ms_per_char: float = 220.0,
        partial: float = 0.4,
        word_boundaries: bool = False,
        max_faults_per_text: int | None = None,
        text_faults: Mapping[str, str] | None = None,
        refuse_for_s: float = 0.0,
        stall_s: float = 120.0,
        voices: list[dict] | None = None,
        port: int = 0,
    ):
        if isinstance(faults, str) and faults not in FAULTS:
            raise ValueError(f"unknown fault {faults!r}; known: {', '.join(FAULTS)}")
        self.faults = faults
        self.latency_s = latency_s
        self.ms_per_char = ms_per_char
        self.partial = partial
        self.word_boundaries = word_boundaries
        self.max_faults_per_text = max_faults_per_text
        self.text_faults = dict(text_faults or {})
        for k in self.text_faults.values():
            if k not in STREAM_FAULTS:
                raise ValueError(f"text faults must be stream faults ({', '.join(STREAM_FAULTS)}), got {k!r}")
        self.refuse_for_s = refuse_for_s
        self.stall_s = stall_s
        self.voices = DEFAULT_VOICES if voices is None else voices
        self.port = port or _free_port()
        self.records: list[ConnectionRecord] = []
        self.active = 0
        self.max_active = 0
        self._faults_by_text: dict[str, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._listening = threading.Event()

    # -- addresses
    @property
    def base(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The WSS_URL equivalent (ends in a query, as edge-tts appends &ConnectionId=...)."""
        return f"ws://{self.base}{PATH}?TrustedClientToken={TOKEN}"

    @property
    def voices_url(self) -> str:
        return f"http://{self.base}/consumer/speech/synthesize/readaloud/voices/list?trustedclienttoken={TOKEN}"

    # -- bookkeeping
    def stats(self) -> dict:
        recs = list(self.records)
        return {
            "connections": len(recs),
            "max_concurrent": self.max_active,
            "faults": [(r.number, r.fault) for r in recs if r.fault],
            "texts": [r.text for r in recs if r.text is not None],
        }

    @property
    def fault_counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in list(self.records):
            if r.fault:
                out[r.fault] = out.get(r.fault, 0) + 1
        return out

    def prewarm(self, texts) -> None:
        """Make the MP3s for these texts now, so a benchmark times the protocol only."""
        for t in texts:
            fake_mp3(self._duration(t, "+0%"))

    def _fault_for(self, n: int) -> Optional[str]:
        f = self.faults
        if f is None:
            return None
        if isinstance(f, str):
            return f
        if isinstance(f, Mapping):
            return f.get(n)
        return f(n)

    def _duration(self, text: str, rate: str) -> float:
        try:
            factor = max(0.1, 1.0 + int(rate.rstrip("%")) / 100.0)
        except ValueError:
            factor = 1.0
        chars = len(text.strip())
        return LEAD_S + chars * self.ms_per_char / 1000.0 / factor + TAIL_S

    # -- server
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        n = len(self.records)
        rec = ConnectionRecord(number=n, query=dict(request.query), started=time.monotonic())
        self.records.append(rec)
        fault = self._fault_for(n)
        for key in ("ConnectionId", "Sec-MS-GEC", "Sec-MS-GEC-Version"):
            if key not in request.query:
                rec.fault = "bad-request"
                return web.Response(status=400, text=f"missing {key}")
        if fault in HANDSHAKE_FAULTS:
            rec.fault = fault
            rec.ended = time.monotonic()
            if fault == "reset":
                if request.transport is not None:
                    request.transport.abort()
                return web.Response(status=500)
            return web.Response(status=int(fault), text="fake fault")

        ws = web.WebSocketResponse(compress=False, max_msg_size=0)
        await ws.prepare(request)
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            await self._converse(ws, rec, fault)
        finally:
            self.active -= 1
            rec.ended = time.monotonic()
        return ws

    async def _converse(self, ws: web.WebSocketResponse, rec: ConnectionRecord, fault: Optional[str]) -> None:
        got_config = False
        ssml: Ssml | None = None
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            headers, body = _headers(msg.data)
            path = headers.get("Path")
            if path == "speech.config":
                got_config = True
            elif path == "ssml":
                if not got_config:
                    await ws.close(code=1002, message=b"ssml before speech.config")
                    return
                ssml = parse_ssml(body)
                break
        if ssml is None:
            return
        rec.text, rec.voice, rec.rate = ssml.text, ssml.voice, ssml.rate
        for needle, kind in self.text_faults.items():
            if needle in ssml.text:
                fault = kind
        if fault in STREAM_FAULTS and self.max_faults_per_text is not None:
            if self._faults_by_text.get(ssml.text, 0) >= self.max_faults_per_text:
                fault = None
        if fault in STREAM_FAULTS:
            rec.fault = fault
            self._faults_by_text[ssml.text] = self._faults_by_text.get(ssml.text, 0) + 1

        rid = uuid.uuid4().hex
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        await ws.send_str(_text_message(rid, "turn.start", '{"context":{"serviceTag":"fake"}}',
                                        "application/json; charset=utf-8"))
        if fault == "stall":
            try:
                await asyncio.wait_for(ws.receive(), timeout=self.stall_s)
            except asyncio.TimeoutError:
                pass
            return
        if fault == "noaudio":
            await ws.send_str(_text_message(rid, "turn.end", "{}", "application/json; charset=utf-8"))
            await ws.close()
            return

        loop = asyncio.get_running_loop()
        duration = self._duration(ssml.text, ssml.rate)
        mp3 = await loop.run_in_executor(None, fake_mp3, duration)
        frames = [mp3[i:i + FRAME_BYTES] for i in range(0, len(mp3), FRAME_BYTES)]
        cut = len(frames)
        if fault in ("drop", "abort", "early_end"):
            cut = max(1, int(len(frames) * self.partial))

        # metadata for each sentence just before the audio that carries it
        per_char = (duration - LEAD_S - TAIL_S) / max(1, len(ssml.text.strip()))
        events: list[tuple[float, str]] = []  # (time it starts, metadata json)
        t = LEAD_S
        for sentence in _sentences(ssml.text.strip()):
            d = len(sentence) * per_char
            meta = [{"Type": "SentenceBoundary", "Data": {
                "Offset": int(t * TICKS_PER_SECOND), "Duration": int(d * TICKS_PER_SECOND),
                "text": {"Text": escape(sentence), "Length": len(sentence), "BoundaryType": "SentenceBoundary"}}}]
            if self.word_boundaries:
                for j, ch in enumerate(sentence):
                    meta.append({"Type": "WordBoundary", "Data": {
                        "Offset": int((t + j * per_char) * TICKS_PER_SECOND),
                        "Duration": int(per_char * TICKS_PER_SECOND),
                        "text": {"Text": escape(ch), "Length": 1, "BoundaryType": "WordBoundary"}}})
            for m in meta:
                events.append((t, json.dumps({"Metadata": [m]}, ensure_ascii=False)))
            t += d
        seconds_per_frame = FRAME_BYTES * 8 / 48_000
        ei = 0
        for i, frame in enumerate(frames[:cut]):
            while ei < len(events) and events[ei][0] < (i + 1) * seconds_per_frame:
                await ws.send_str(_text_message(rid, "audio.metadata", events[ei][1], "application/json; charset=utf-8"))
                ei += 1
            await ws.send_bytes(_audio_message(rid, frame))
            rec.audio_s += len(frame) * 8 / 48_000
        if fault == "abort":
            if ws._req is not None and ws._req.transport is not None:  # noqa: SLF001
                ws._req.transport.abort()  # noqa: SLF001
            return
        if fault == "drop":
            await ws.close()
            return
        if fault is None:
            while ei < len(events):
                await ws.send_str(_text_message(rid, "audio.metadata", events[ei][1], "application/json; charset=utf-8"))
                ei += 1
            await ws.send_bytes(_audio_message(rid, b""))
        await ws.send_str(_text_message(rid, "turn.end", "{}", "application/json; charset=utf-8"))
        # the real service keeps the socket open for another turn; the client closes it
        try:
            await asyncio.wait_for(ws.receive(), timeout=5)
        except asyncio.TimeoutError:
            pass
        await ws.close()

    async def _voices(self, request: web.Request) -> web.Response:
        return web.json_response(self.voices)

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get(PATH, self._handle)
        app.router.add_get("/consumer/speech/synthesize/readaloud/voices/list", self._voices)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, handle_signals=False, access_log=None)
        await self._runner.setup()
        self._stop = asyncio.Event()
        self._ready.set()
        if self.refuse_for_s:
            await asyncio.sleep(self.refuse_for_s)
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self._listening.set()
        try:
            await self._stop.wait()
        finally:
            await self._runner.cleanup()

    def _thread_main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as e:  # noqa: BLE001 - reported by start()
            self._error = e
            self._ready.set()
        finally:
            loop.close()

    def start(self, wait_listening: bool | None = None) -> "FakeEdgeService":
        self._thread = threading.Thread(target=self._thread_main, name="fake-edge", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._error:
            raise self._error
        if wait_listening is None:
            wait_listening = not self.refuse_for_s
        if wait_listening and not self._listening.wait(10):
            raise RuntimeError(f"fake edge service did not start: {self._error!r}")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(10)

    def __enter__(self) -> "FakeEdgeService":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    async def __aenter__(self) -> "FakeEdgeService":
        await asyncio.get_running_loop().run_in_executor(None, self.start)
        return self

    async def __aexit__(self, *exc) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.stop)


def main() -> None:  # pragma: no cover - manual use
    import argparse

    ap = argparse.ArgumentParser(description="Run the fake Edge TTS service")
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--fault", choices=FAULTS)
    ap.add_argument("--every", type=int, default=0, help="inject --fault on every n-th connection")
    args = ap.parse_args()
    faults: FaultSpec = None
    if args.fault:
        faults = every_nth(args.fault, args.every) if args.every else args.fault
    with FakeEdgeService(faults=faults, latency_s=args.latency) as svc:
        print(f"BROADCASTER_EDGE_WSS_URL={svc.url}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":  # pragma: no cover
    main()
