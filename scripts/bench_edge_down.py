"""How long a render that asks for the online voice waits before its fallback
starts, when the network is down (issue 23: target ≤ 5 s).

Times `EdgeEngine().synthesize_many` on `--segments` requests, with the
engine's default settings, until every request has come back as an error (the
moment the render hands the items to its fallback engine), for each way the
service can be unreachable:

- ``refused``: nothing listens on the port (127.0.0.1, a closed port);
- (a host name that does not resolve is not timed here: even a `.invalid`
  name is a query to the machine's resolver, and nothing here sends traffic
  beyond 127.0.0.1; tests/edge/test_edge_network_down.py covers it with an
  injected resolver error);
- ``syn_dropped``: a listener whose accept queue is full, so the kernel drops
  the connection attempt and the connect hangs (what a black-holed network does);
- ``accepts_silent``: a listener that accepts the connection and never answers
  (the TCP connection works, the service does not: not "network down", the
  retries still apply; reported for completeness, ``--skip-silent`` skips it).

    PYTHONPATH=src python scripts/bench_edge_down.py [--segments 8] [--skip-silent]

prints one JSON line.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "edge"))
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

TEXT = "第{}条。明天上午八点到十二点停水，请大家提前储水。"


def time_case(url: str, segments: int) -> dict:
    from broadcaster.model import SpeechRequest, Voice
    from broadcaster.synthesise.engines.edge import EdgeEngine

    os.environ["BROADCASTER_EDGE_WSS_URL"] = url
    engine = EdgeEngine()  # the defaults a user gets, pointed at `url`
    requests = [SpeechRequest(TEXT.format(i + 1), Voice("edge")) for i in range(segments)]
    start = time.perf_counter()
    results = engine.synthesize_many(requests)
    seconds = time.perf_counter() - start
    stats = engine.last_stats
    return {
        "to_fallback_s": round(seconds, 2),
        "all_failed": all(isinstance(r, Exception) for r in results),
        "attempts": stats.get("attempts"),
        "short_circuited": stats.get("short_circuited"),
        "first_error": str(next((r for r in results if isinstance(r, Exception)), ""))[:160],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=8)
    ap.add_argument("--skip-silent", action="store_true", help="skip the accepts-but-never-answers case")
    args = ap.parse_args()
    from fake_service import AcceptsSilent, SynDropped, closed_port_url

    out: dict = {"segments": args.segments, "cpus": os.cpu_count()}
    out["refused"] = time_case(closed_port_url(), args.segments)
    hole = SynDropped()
    try:
        out["syn_dropped"] = time_case(hole.url, args.segments)
    finally:
        hole.close()
    if not args.skip_silent:
        silent = AcceptsSilent()
        try:
            out["accepts_silent"] = time_case(silent.url, args.segments)
        finally:
            silent.close()
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
