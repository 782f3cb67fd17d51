"""The web review with ruby pinyin (issue 27): how long the review of a paste takes, how big the
page is, how long a reading chosen there takes to show, and what the first click costs the server.

    PYTHONPATH=src python scripts/bench_web_review.py [--chars 5000] [--runs 3]

The paste is made of tests/text/polyphones.txt's sentences (brackets removed), the densest
polyphone text the project has, so the page carries more ruby than a usual notice. Pages are
asked through Flask's test client in this process (the reading itself runs in the child that
`web/extract.py` starts, as it does under `broadcaster serve`); the server's resident memory is
this process's.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))


def paste(chars: int) -> str:
    lines = [re.sub(r"\[[a-z0-9]+\]", "", line).strip()
             for line in (REPO / "tests/text/polyphones.txt").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    out, n = [], 0
    while n < chars:
        for line in lines:
            out.append(line)
            n += len(line)
            if n >= chars:
                break
    return "\n".join(out)[:chars]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from web_support import OPTIONS, csrf, running_app

    text = paste(args.chars)
    me = psutil.Process()
    with tempfile.TemporaryDirectory() as tmp, running_app(Path(tmp) / "data") as app:
        client = app.test_client()
        token = csrf(client)
        times, page = [], ""
        for _ in range(args.runs):
            start = time.perf_counter()
            r = client.post("/prepare", data={"csrf": token, "title": "测试", "text": text, **OPTIONS})
            times.append(time.perf_counter() - start)
            assert r.status_code == 200, r.text[:300]
            page = r.text
        picks = re.findall(r'name="pick" value="([^"]+)"', page)
        print(f"review of {len(text)} characters: median {statistics.median(times):.2f} s "
              f"(runs {', '.join(f'{t:.2f}' for t in times)}); page {len(page.encode()) / 1024:.0f} KB, "
              f"{page.count('<ruby')} ruby, {len(picks)} to change")
        rss_before = me.memory_info().rss / 2**20
        start = time.perf_counter()
        char = next(p.split("|")[1][int(p.split("|")[2])] for p in picks)
        client.get(f"/readings/choices?char={char}")
        first_s = time.perf_counter() - start
        rss_after = me.memory_info().rss / 2**20
        print(f"first /readings/choices: {first_s * 1000:.0f} ms, server memory {rss_before:.0f} → {rss_after:.0f} MB")
        start = time.perf_counter()
        client.get(f"/readings/choices?char={char}")
        print(f"next /readings/choices: {(time.perf_counter() - start) * 1000:.1f} ms")
        pick = next(p for p in picks if p.split("|")[1][int(p.split("|")[2])] == char)
        key, say, at, now = pick.split("|")
        other = next(c["pinyin"] for c in client.get(f"/readings/choices?char={char}").json["readings"]
                     if c["pinyin"] != now.split()[int(at)])
        start = time.perf_counter()
        r = client.post("/readings/choose", data={"csrf": token, "pick": pick, "pinyin": other, "confirm": "1", "cleaned": text,
                                                  "title": "测试", **OPTIONS}, headers={"Accept": "application/json"})
        assert r.status_code == 200, r.text[:300]
        print(f"a reading chosen, written and the {len(text)} characters read again: {time.perf_counter() - start:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
