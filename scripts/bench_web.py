"""broadcaster serve under load: page latency while a render runs, and the server's own memory.

    python scripts/bench_web.py            # a real Kokoro render of examples/articles/winter-water.txt
    python scripts/bench_web.py --fake     # the test fake engine, 0.3 s a segment (no model)

Starts `broadcaster serve` as a user would (its own process, waitress, the job
runner), submits two renders at once (both must queue), then asks for the
main pages again and again while the first one runs, and reports latency
(median, 95th percentile, max) and the server process's resident memory
(its job children excluded: they are the worker). Targets (issue 17):
every page under 200 ms while a render runs, server under 150 MB.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
PAGES = ("/", "/jobs", "/history", "/lexicon", "/daily", "/music", "/jobs/1.json")

SERVER = """
import sys, waitress
sys.path.insert(0, {tests!r})
from broadcaster.web.app import create_app
fake = {fake!r}
kw = dict(job_command=[sys.executable, {tests!r} + "/fake_web_job.py"], voices=[("fake", "v1", "v1")]) if fake else {{}}
app = create_app({data!r}, **kw)
print("ready", flush=True)
waitress.serve(app, host="127.0.0.1", port={port}, threads=8, _quiet=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fake", action="store_true")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    text = (REPO / "examples/articles/winter-water.txt").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        env = {"FAKE_DELAY_S": "0.3"} if args.fake else {}
        import os

        server = subprocess.Popen([sys.executable, "-c", SERVER.format(tests=str(REPO / "tests"), fake=args.fake, data=tmp,
                                                                        port=args.port)],
                                  stdout=subprocess.PIPE, env={**os.environ, **env})
        try:
            server.stdout.readline()
            base = f"http://127.0.0.1:{args.port}"
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
            for _ in range(100):  # "ready" comes just before waitress listens
                try:
                    page = opener.open(base + "/").read().decode()
                    break
                except OSError:
                    time.sleep(0.1)
            token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
            voice = re.search(r'<option value="([^"]+:[^"]+)"', page).group(1)
            form = {"csrf": token, "title": "冬季农田水利建设", "cleaned": text, "voice": voice, "rate": "+0%", "jingles": "1",
                    "profile": "loudspeaker"}
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(2) as pool:
                codes = list(pool.map(lambda _: opener.open(base + "/broadcasts", urllib.parse.urlencode(form).encode()).status,
                                      range(2)))
            print(f"two submissions at once: HTTP {codes}")
            while json.loads(opener.open(base + "/jobs/1.json").read())["state"] != "running":
                time.sleep(0.1)
            latencies: dict[str, list[float]] = {p: [] for p in PAGES}
            rss_mb = []
            proc = psutil.Process(server.pid)
            while json.loads(opener.open(base + "/jobs/1.json").read())["state"] == "running":
                for path in PAGES:
                    started = time.perf_counter()
                    opener.open(base + path).read()
                    latencies[path].append((time.perf_counter() - started) * 1000)
                rss_mb.append(proc.memory_info().rss / 2**20)
                time.sleep(0.2)
            job = json.loads(opener.open(base + "/jobs/1.json").read())
            print(f"render 1: {job['state']} {job['done']}/{job['total']} segments")
            for path, values in latencies.items():
                values.sort()
                p95 = values[int(0.95 * (len(values) - 1))]
                print(f"{path:14s} n={len(values):4d}  median {statistics.median(values):6.1f} ms  p95 {p95:6.1f} ms  max {max(values):6.1f} ms")
            print(f"server RSS while rendering: max {max(rss_mb):.1f} MB (job process excluded)")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
