"""Benchmark the edge engine against the local fake service (no network).

Times `segments` requests with one connection at a time, then with
`connections` at once, against a fake service that answers each request
after `latency_s` (the real service's time to first audio is of that order).

    python scripts/bench_edge.py [--segments 40] [--latency 0.3] [--connections 4]

prints one JSON line; `run_edge_bench()` returns the same dict.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "edge"))
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

TEXTS = [
    "各位村民请注意，今天下午三点在村委会召开全体村民大会。",
    "明天上午八点到十二点停水，请大家提前储水。",
    "近期天气干燥，上山不要带火种，严防森林火灾。",
    "新农合缴费将于本月底截止，请尚未缴费的村民抓紧办理。",
    "请家中有六十岁以上老人的家庭，带好身份证到卫生室体检。",
]


def _segments(n: int) -> list[str]:
    return [f"第{i + 1}条。{TEXTS[i % len(TEXTS)]}" for i in range(n)]


def run_edge_bench(segments: int = 40, latency_s: float = 0.3, connections: int = 4) -> dict:
    import edge_tts.communicate
    import edge_tts.voices

    from broadcaster.model import SpeechRequest, Voice
    from broadcaster.synthesise.engines.edge import EdgeEngine
    from fake_service import FakeEdgeService

    texts = _segments(segments)
    requests = [SpeechRequest(t, Voice("edge")) for t in texts]
    saved = (edge_tts.communicate.WSS_URL, edge_tts.voices.VOICE_LIST)
    try:
        with FakeEdgeService(latency_s=latency_s) as svc:
            svc.prewarm(texts)  # the fake's MP3s are made before timing starts
            timings = {}
            for label, n in (("serial", 1), ("concurrent", connections)):
                engine = EdgeEngine(wss_url=svc.url, concurrency=n)
                start = time.perf_counter()
                results = engine.synthesize_many(requests)
                timings[label] = time.perf_counter() - start
                failed = [r for r in results if isinstance(r, Exception)]
                if failed:
                    raise RuntimeError(f"{len(failed)} segments failed in the {label} run: {failed[0]!r}")
            max_connections = svc.max_active
            if svc.max_active > connections:
                raise RuntimeError(f"{svc.max_active} connections at once, limit {connections}")
    finally:
        edge_tts.communicate.WSS_URL, edge_tts.voices.VOICE_LIST = saved
    return {
        "edge_segments": segments,
        "edge_latency_s": latency_s,
        "edge_connections": connections,
        "edge_serial_s": round(timings["serial"], 3),
        "edge_concurrent_s": round(timings["concurrent"], 3),
        "edge_speedup": round(timings["serial"] / timings["concurrent"], 2),
        "edge_max_connections": max_connections,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=40)
    ap.add_argument("--latency", type=float, default=0.3)
    ap.add_argument("--connections", type=int, default=4)
    args = ap.parse_args()
    print(json.dumps(run_edge_bench(args.segments, args.latency, args.connections)))


if __name__ == "__main__":
    main()
