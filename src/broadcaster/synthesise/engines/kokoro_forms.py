"""Which form of the Kokoro graph runs on this CPU, and its files, made once.

Forms (`BROADCASTER_KOKORO_GRAPH`; `auto`, the default, picks per CPU):

- `original`: the shipped int8 graph as it is;
- `im2col`: its convolutions as im2col + uint8 x int8 MatMulInteger, the same
  samples bit for bit, run only where the CPU has VNNI (kokoro_graph.py);
- `float`: the generator's convolutions in float32 on the exactly
  dequantised weights (kokoro_float.py); not bit-identical (~14 dB waveform
  SNR against the shipped graph), so its segments are cached apart.

`auto` is `im2col` with VNNI and `original` without: on the Xeon
(avx512_vnni, AMX) these figures come from, `float` took more CPU time than
`im2col`; on AVX2-only CPUs a float graph was measured 25 % slower than the
int8 one (issue 23), and this form was not measured there (docs/engines.md,
Performance: `scripts/bench.py cpu` measures every form on the CPU it runs on).

Each made form is kept in BROADCASTER_MODEL_DIR (else <cache>/models) with
its SHA-256 beside it, written through durable.py. Beside it, onnxruntime's
own optimised graph of it (fused and laid out for this CPU, hence tagged
with the CPU and the onnxruntime version) is saved the first time, so a new
process loads without optimising again (0.35-0.52 s less CPU time here:
scripts/kokoro_quality.py --open).

    >>> choose_form("auto", "flags : fpu avx2 avx512_vnni")
    'im2col'
    >>> choose_form("auto", "flags : fpu avx2 fma")
    'original'
"""
from __future__ import annotations

import hashlib
import os
import platform
from dataclasses import dataclass
from pathlib import Path

from broadcaster import settings
from broadcaster.errors import SynthesisError
from broadcaster.durable import remove_quietly, sha256_file, sweep_temporaries, temp_prefix, write_atomic
from broadcaster.synthesise.engines.kokoro_graph import GRAPH_ENV, cpu_has_vnni, model_dir

FORMS = ("original", "im2col", "float")
# Forms whose samples are the shipped graph's, bit for bit.
IDENTICAL = frozenset({"original", "im2col"})
# Bumped when a form's rewrite changes what it makes.
VERSIONS = {"im2col": 1, "float": 1}


def read_cpuinfo() -> str:
    """/proc/cpuinfo, or "" where there is none (not Linux, not x86)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return ""
    try:
        return Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def cpu_name(cpuinfo: str | None = None) -> str:
    """The CPU's model name, e.g. 'Intel(R) Xeon(R) Processor'."""
    for line in (read_cpuinfo() if cpuinfo is None else cpuinfo).splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[-1].strip()
    return platform.processor() or platform.machine() or "unknown"


def choose_form(choice: str | None = None, cpuinfo: str | None = None) -> str:
    """The form to run: `choice` (default: BROADCASTER_KOKORO_GRAPH) unless
    it is `auto`, then the one for this CPU (or for `cpuinfo`)."""
    choice = choice or settings.read(GRAPH_ENV)
    if choice != "auto":
        return choice
    return "im2col" if cpu_has_vnni(read_cpuinfo() if cpuinfo is None else cpuinfo) else "original"


@dataclass(frozen=True)
class PreparedModel:
    form: str  # the form that will run (`original` when another could not be made)
    path: Path  # the file to load
    optimised: bool  # `path` is onnxruntime's optimised graph: load it without optimising
    save_optimised_to: Path | None  # where to keep the optimised graph made by this load


def prepare(original: Path, form: str, may_make: bool = True) -> PreparedModel | None:
    """The model file for `form`, made from `original` if need be (None
    when it must be made and `may_make` is false), and the saved optimised
    graph of it when there is a good one.

    Every made file is checked against the SHA-256 recorded beside it when
    it was written (~0.1-0.3 s for 93 MB) before it is used: a file damaged
    by a power cut or a full disk is made again, never run. When the
    optimised graph is good, the form's file is not read at all."""
    source = original if form == "original" else form_file(original, form)
    optimised = model_dir() / f"{source.stem}.opt-{_machine_tag()}.onnx"
    if _is_good(optimised):
        return PreparedModel(form, optimised, True, None)
    if form != "original" and not _is_good(source):
        if not may_make:
            return None
        sweep_temporaries(source.parent)  # a half-written model left by a killed run
        try:
            _make(original, form, source)
        except ImportError as exc:  # the onnx package is missing
            if form in IDENTICAL:  # the shipped graph gives the same samples
                return prepare(original, "original", may_make)
            raise SynthesisError(f"the {form} form of the kokoro model cannot be made: {exc}") from None
    return PreparedModel(form, source, False, optimised)


def open_session(ort, original: Path, form: str, make_options, may_make: bool):
    """(onnxruntime session, form) for `original` in `form`, with the
    options `make_options(ort)` gives; None when the form's file must first
    be made and `may_make` is false. Runs on a side thread too: `ort` and
    this module are imported by the caller, and nothing here imports."""
    prepared = prepare(original, form, may_make=may_make)
    if prepared is None:
        return None
    options = make_options(ort)
    scratch = None
    if prepared.optimised:  # onnxruntime's own optimised graph, saved by an earlier run
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    elif prepared.save_optimised_to is not None:
        try:
            scratch = optimised_scratch(prepared.save_optimised_to)
        except OSError:  # no models folder to be had (read-only): optimise every time
            scratch = None
        else:
            options.optimized_model_filepath = str(scratch)
            options.log_severity_level = 3  # not its warning that the saved graph suits this CPU only: we know
    try:
        session = ort.InferenceSession(str(prepared.path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception:
        if scratch is None:
            raise
        # Saving the optimised graph failed (a full disk?): open without saving it.
        remove_quietly(scratch)
        scratch = None
        session = ort.InferenceSession(str(prepared.path), sess_options=make_options(ort), providers=["CPUExecutionProvider"])
    if scratch is not None:
        try:
            keep_optimised(scratch, prepared.save_optimised_to)
        except OSError:
            pass  # not kept (a full disk): the next run optimises again
    return session, prepared.form


def load_libraries() -> None:
    """Import what making a form imports (on the render's thread, never on a side thread)."""
    try:
        import numpy  # noqa: F401
        import onnx  # noqa: F401
        import onnx.helper  # noqa: F401
        import onnx.numpy_helper  # noqa: F401
    except ImportError:
        pass  # prepare() says what is missing


def describe_choice(form: str, cpuinfo: str | None = None) -> str:
    """One line for `broadcaster voices`: the form, and why it was chosen.

        >>> describe_choice("im2col", "model name : Xeon\\nflags : avx2 avx512_vnni")
        'im2col (auto: this CPU, Xeon, has VNNI)'
    """
    cpuinfo = read_cpuinfo() if cpuinfo is None else cpuinfo
    choice = settings.read(GRAPH_ENV)
    if choice != "auto":
        return f"{form} ({GRAPH_ENV}={choice})"
    vnni = "has VNNI" if cpu_has_vnni(cpuinfo) else "has no VNNI"
    return f"{form} (auto: this CPU, {cpu_name(cpuinfo)}, {vnni})"


def form_file(original: Path, form: str) -> Path:
    """Where the made `form` of `original` is kept (the im2col name is the one
    earlier versions used, so their file is still found)."""
    stat = original.stat()
    tag = hashlib.sha256(f"{original.name}:{stat.st_size}:{VERSIONS[form]}".encode()).hexdigest()[:12]
    if form != "im2col":
        tag = hashlib.sha256(f"{tag}:{form}".encode()).hexdigest()[:12]
    return model_dir() / f"{original.stem}.{form}-{tag}.onnx"


def keep_optimised(made: Path, target: Path) -> None:
    """Put the optimised graph onnxruntime wrote to `made` in place as
    `target`, durably and with its digest; `made` is removed."""
    try:
        data = made.read_bytes()
        _write_with_digest(target, data)
    finally:
        remove_quietly(made)


def optimised_scratch(target: Path) -> Path:
    """A temporary name for onnxruntime to write the optimised graph to
    (swept like every temporary if the process is killed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_temporaries(target.parent)  # one left by a run killed while onnxruntime wrote it
    return target.with_name(f"{temp_prefix(target)}ort.tmp")


def _make(original: Path, form: str, target: Path) -> None:
    from broadcaster.synthesise.engines import kokoro_graph

    if form == "im2col":
        model = kokoro_graph.rewrite_convolutions(original)
    else:
        from broadcaster.synthesise.engines.kokoro_float import float_graph

        model = float_graph(original)
    _write_with_digest(target, model.SerializeToString())


def _write_with_digest(target: Path, data: bytes) -> None:
    # The model first, then its digest: a run killed in between leaves no
    # digest, and the next run makes the model again.
    write_atomic(target, data)
    write_atomic(_digest_file(target), hashlib.sha256(data).hexdigest().encode("ascii"))


def _digest_file(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _is_good(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        recorded = _digest_file(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return False
    return recorded == sha256_file(path)


def _machine_tag() -> str:
    """What an optimised graph depends on: onnxruntime's version and the CPU
    (its layout transforms pick kernels by the CPU's instruction sets)."""
    import onnxruntime

    flags = ""
    for line in read_cpuinfo().splitlines():
        if line.startswith("flags"):
            flags = " ".join(sorted(line.split(":", 1)[-1].split()))
            break
    identity = f"{onnxruntime.__version__}|{cpu_name()}|{flags}|{os.name}"
    return hashlib.sha256(identity.encode()).hexdigest()[:12]
