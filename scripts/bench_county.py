"""County benchmark: N villages (default 40) whose text is ~70 % the county's, three ways.

    PYTHONPATH=src python scripts/bench_county.py [--villages 40] [--cpu-per-char-s 0.05] [--runs naive,embedded,workers]
                                                  [--naive-sample 8]

1. naive: a loop of independent `run-daily` renders, one process and one cold cache each (what 40 cron jobs do);
2. embedded: `county render --concurrency 2` (a local pool, no broker);
3. workers: a redis-server and two `broadcaster worker --concurrency 1` processes, `county render --broker`.

Each reports wall time and CPU time (user + system of every process it ran: the
renders, ffmpeg, the workers and redis; read from the children's rusage once
they have exited) and how many segments were synthesised against how many
distinct ones there are.

The voice is the test suite's fake engine (tests/support.py) made to burn
`--cpu-per-char-s` of CPU per character before it answers, since the real
offline voice takes ~1 CPU-second per second of speech (≈0.2 s a character)
and 40 villages of it do not fit a benchmark run on a shared 2-core machine.
The fake speaks 0.2 s a character, so 0.2 would be the real voice's cost;
the default 0.05 is a quarter of it, which makes synthesis a *smaller* share of
the work than with the real voice (so the county's saving shown is a lower bound).

This script is also the command its subprocesses run (`--cli …`), so that
they have the benchmark engine registered.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
DAY = "2026-12-07"
SHARED = [
    "县应急管理局提醒：冬季天干物燥，是火灾多发季节。请大家不要在山林和田间焚烧秸秆，取暖用火用电要注意安全。",
    "县医疗保障局通知：城乡居民医疗保险集中缴费已经开始，个人缴费标准为每人每年三百八十元，截止日期为十二月三十一日。",
    "县气象台预报：今天白天多云转晴，最高气温八度，最低气温零下二度，夜间有霜冻，请注意防寒保暖。",
]
DIGITS = "零一二三四五六七八九"


def _chinese(n: int) -> str:
    return "".join(DIGITS[int(d)] for d in str(n))


def _cli(argv: list[str]) -> None:
    from broadcaster.cli import main
    from broadcaster.synthesise.engines import base
    from support import FakeEngine

    cost_s = float(os.environ["BENCH_CPU_PER_CHAR_S"])

    class BenchEngine(FakeEngine):
        """The fake voice, costing `cost_s` of CPU per character like a real model costs CPU."""

        def synthesize_many(self, requests, progress=None, on_result=None):
            out = []
            for i, request in enumerate(requests):
                until = time.process_time() + cost_s * len(request.text)
                while time.process_time() < until:
                    pass
                out += super().synthesize_many([request], progress, lambda _, speech, i=i: on_result and on_result(i, speech))
            return out

    base.register_engine("bench", lambda: BenchEngine("bench"), replace=True)
    main(argv)


def make_county(folder: Path, villages: int) -> tuple[Path, float]:
    """The county files; returns the county file and the shared share of the spoken characters."""
    (folder / "shared").mkdir(parents=True)
    (folder / "villages").mkdir()
    for i, text in enumerate(SHARED):
        (folder / "shared" / f"{i + 1:02d}.txt").write_text(text, encoding="utf-8")
    shared_chars = sum(len(t) for t in SHARED)
    own_chars = 0
    for n in range(1, villages + 1):
        station = f"第{_chinese(n)}村"
        opening = f"{station}广播站现在开始广播。"
        news = (f"{station}村委会通知：本周{DIGITS[n % 7 + 1]}上午召开村民代表会议，请准时参加。"
                f"会议商量{station}冬季防火和修路的事情，请各位代表提前准备意见。")
        own_chars += len(opening) + len(news)
        items = "".join(f"  - article: ../shared/{i + 1:02d}.txt\n" for i in range(len(SHARED)))
        (folder / "villages" / f"v{n:03d}.yaml").write_text(
            f"title: '{station}广播'\nstation: {station}广播站\nvoice: {{engine: bench}}\nfallback: [bench]\n"
            f"items:\n  - text: {opening}\n{items}  - text: {news}\n", encoding="utf-8")
    county = folder / "county.yaml"
    county.write_text("county: 基准县\nvillages: villages/\nshared: shared/\nroot: out\ncache: cache\n", encoding="utf-8")
    return county, shared_chars / (shared_chars + own_chars / villages)


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _env(folder: Path, cost: float, **extra) -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO / "src"), "BENCH_CPU_PER_CHAR_S": str(cost),
            "BROADCASTER_CACHE_DIR": str(folder / "default-cache"), **extra}


def _me() -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--cli"]


def run_naive(folder: Path, county: Path, cost: float, sample: int | None = None) -> dict:
    """Every village rendered alone with a cold cache of its own; with `sample`, only the first
    `sample` villages, and the times scaled up to all of them (the renders are alike and independent)."""
    scripts = sorted((county.parent / "villages").glob("*.yaml"))
    ran = scripts[:sample] if sample else scripts
    cpu0, wall0 = _children_cpu_s(), time.monotonic()
    for script in ran:
        subprocess.run(_me() + ["run-daily", str(script), "--date", DAY, "--root", str(folder / "naive" / script.stem), "-q"],
                       check=True, stdout=subprocess.DEVNULL, env=_env(folder, cost, BROADCASTER_CACHE_DIR=str(folder / "naive-cache" / script.stem)))
    scale = len(scripts) / len(ran)
    result = {"wall_s": (time.monotonic() - wall0) * scale, "cpu_s": (_children_cpu_s() - cpu0) * scale}
    if scale != 1:
        result["extrapolated_from_villages"] = len(ran)
    return result


def _county_result(county: Path, wall_s: float, cpu_s: float) -> dict:
    report = json.loads((county.parent / "out" / f"county-{DAY}.json").read_text(encoding="utf-8"))
    return {"wall_s": wall_s, "cpu_s": cpu_s, "segment_uses": report["segment_uses"], "distinct": report["distinct"],
            "made": report["made"], "made_again": report["made_again"],
            "done": sum(1 for v in report["villages"] if v["status"] == "done")}


def run_embedded(folder: Path, county: Path, cost: float) -> dict:
    cpu0, wall0 = _children_cpu_s(), time.monotonic()
    subprocess.run(_me() + ["county", "render", str(county), "--date", DAY, "--concurrency", "2", "-q"], check=True,
                   stdout=subprocess.DEVNULL, env=_env(folder, cost))
    return _county_result(county, time.monotonic() - wall0, _children_cpu_s() - cpu0)


def run_workers(folder: Path, county: Path, cost: float) -> dict:
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        return {"skipped": "redis-server is not installed"}
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (folder / "redis").mkdir()
    cpu0, wall0 = _children_cpu_s(), time.monotonic()
    redis = subprocess.Popen([redis_server, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder / "redis"),
                              "--appendonly", "yes", "--save", ""], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    workers = [subprocess.Popen(_me() + ["worker", "--broker", url, "--concurrency", "1"], env=_env(folder, cost),
                                stderr=subprocess.DEVNULL, start_new_session=True) for _ in range(2)]
    try:
        time.sleep(1.0)
        subprocess.run(_me() + ["county", "render", str(county), "--date", DAY, "--broker", url, "-q"], check=True,
                       stdout=subprocess.DEVNULL, env=_env(folder, cost))
        wall_s = time.monotonic() - wall0
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait()
        redis.terminate()
        redis.wait()
    return _county_result(county, wall_s, _children_cpu_s() - cpu0)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--cli":
        _cli(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--villages", type=int, default=40)
    parser.add_argument("--cpu-per-char-s", type=float, default=0.05)
    parser.add_argument("--runs", default="naive,embedded,workers")
    parser.add_argument("--naive-sample", type=int, default=None,
                        help="render only this many villages in the naive loop and scale its times up (to save an hour)")
    args = parser.parse_args()
    runs = {"naive": run_naive, "embedded": run_embedded, "workers": run_workers}
    print(f"{args.villages} villages, fake voice at {args.cpu_per_char_s} CPU-s a character, {os.cpu_count()} cores")
    results = {}
    for name in args.runs.split(","):
        with tempfile.TemporaryDirectory(prefix=f"bench-county-{name}-") as tmp:
            county, shared = make_county(Path(tmp), args.villages)
            if not results:
                print(f"text shared by every village: {shared:.0%} of a village's characters")
            if name == "naive":
                result = run_naive(Path(tmp), county, args.cpu_per_char_s, args.naive_sample)
            else:
                result = runs[name](Path(tmp), county, args.cpu_per_char_s)
            results[name] = result
            print(name, json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in result.items()}), flush=True)
    naive = results.get("naive", {}).get("cpu_s")
    for name, result in results.items():
        if naive and name != "naive" and "cpu_s" in result:
            once = result["made"] / result["distinct"] if result["distinct"] else 1.0
            print(f"{name}: CPU {result['cpu_s'] / naive:.2f} × the naive loop's, wall {result['wall_s'] / results['naive']['wall_s']:.2f} ×; "
                  f"{result['made']} of {result['distinct']} distinct segments made by the segment tasks ({once:.0%}), "
                  f"{result['made_again']} again; {result['segment_uses']} segments said in all")


if __name__ == "__main__":
    main()
