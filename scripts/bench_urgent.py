#!/usr/bin/env python
"""An urgent notice through a warm `broadcaster serve`: from POST to a playable MP3.

    python scripts/bench_urgent.py                  # 5 notices, the real offline voice
    python scripts/bench_urgent.py --during-render  # also 5 while a long render runs

Starts `broadcaster serve` as a user would (its own process, 127.0.0.1, a
fresh data folder and a fresh segment cache, so that no notice comes from
the cache), waits until its urgent worker says it is warm, then posts
40-character notices to 紧急插播 one after another, each a different text.
A notice's time runs from the POST to the end of downloading its MP3
(polling its state every 20 ms); the MP3 is checked (it decodes, and lasts
what the server says). Printed as JSON: the median and every time, the
worker's own time per notice (`worker_s`: synthesis, mixing, encoding) and
the CPU time it used (`worker_cpu_s`: on a shared machine, steadier than
the wall clock; with two cores free, the wall time approaches half of it),
the audio's length, the machine's load, the worker's resident memory, and
the CPU (VNNI or not).

Target (issue 23): at most 2 s from POST to MP3 on a 2-core CPU without
VNNI. With `--during-render`, a render of examples/articles/winter-water.txt
is running on the queue's worker at the same time (both want both cores).
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTICES = (  # 40 characters each, punctuation included
    "紧急通知：今晚八点起有强台风在本县登陆，请各户马上关好门窗，不要外出，注意安全。",
    "寻人启事：本村村民王大爷今天早上走失，他身穿蓝色的上衣，有消息请马上联系村委会。",
    "山洪预警：上游水库正在开闸泄洪，住在河边的村民请立即撤到高处，千万不要靠近河道。",
    "紧急通知：明天上午八点全村停电检修，请大家提前准备好照明，冷库用户请早做好安排。",
    "防火警报：后山发现火情，请村民远离山林，不要上山围观，青壮年请马上到村口来集合。",
    "暴雨预警：今天夜里有特大暴雨，住在低洼地区的住户请马上转移到村小学的三间教室里。",
    "大风预警：今天下午有八级以上大风，请加固大棚和广告牌，渔船要马上回港，注意安全。",
    "紧急通知：村东头的老桥出现了裂缝，即日起禁止车辆通行，行人请绕道村西的新桥通过。",
    "疫情通知：请今天从外地返乡的人员马上到村卫生室登记，并且在家观察三天，谢谢配合。",
    "紧急通知：自来水管道破裂，今天下午全村停水，请大家先用桶装水，抢修队正在赶过来。",
)


def cpu_info() -> dict:
    flags, model = set(), ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags") and not flags:
            flags = set(line.split(":", 1)[1].split())
        elif line.startswith("model name") and not model:
            model = line.split(":", 1)[1].strip()
    return {"model": model, "cores": os.cpu_count(), "avx2": "avx2" in flags,
            "vnni": bool(flags & {"avx512_vnni", "avx_vnni"})}


class Client:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str, json_: bool = False):
        request = urllib.request.Request(self.base + path, headers={"Accept": "application/json"} if json_ else {})
        with self.opener.open(request) as answer:
            body = answer.read()
        return json.loads(body) if json_ else body

    def post(self, path: str, form: dict, json_: bool = False):
        request = urllib.request.Request(self.base + path, urllib.parse.urlencode(form).encode(),
                                         headers={"Accept": "application/json"} if json_ else {})
        with self.opener.open(request) as answer:
            body = answer.read()
        return json.loads(body) if json_ else body


def notice_s(client: Client, text: str, token: str, voice: str, worker) -> dict:
    from broadcaster.codec import decode_file

    cpu = worker.cpu_times()
    started = time.perf_counter()
    answer = client.post("/urgent", {"csrf": token, "text": text, "voice": voice, "profile": "loudspeaker"}, json_=True)
    while not (state := client.get(answer["status"], json_=True))["finished"]:
        time.sleep(0.02)
    if state["state"] != "done":
        raise SystemExit(f"notice failed: {state['error']}")
    mp3 = client.get(state["audio"])
    took = time.perf_counter() - started
    after = worker.cpu_times()
    cpu_s = (after.user + after.system) - (cpu.user + cpu.system)  # on a shared machine, steadier than the wall clock
    with tempfile.NamedTemporaryFile(suffix=".mp3") as f:
        f.write(mp3)
        f.flush()
        audio_s = len(decode_file(Path(f.name))) / 44100
    if abs(audio_s - state["result"]["duration_s"]) > 0.1:
        raise SystemExit(f"the MP3 lasts {audio_s:.2f} s, the server said {state['result']['duration_s']}")
    return {"post_to_mp3_s": round(took, 3), "worker_s": state["result"]["elapsed_s"], "worker_cpu_s": round(cpu_s, 2),
            "audio_s": round(audio_s, 2)}


def series(client: Client, texts: tuple[str, ...], token: str, voice: str, worker) -> dict:
    load_before = os.getloadavg()[0]
    runs = [notice_s(client, text, token, voice, worker) for text in texts]
    return {"median_s": round(statistics.median(r["post_to_mp3_s"] for r in runs), 3),
            "median_worker_cpu_s": round(statistics.median(r["worker_cpu_s"] for r in runs), 2),
            "load_1min": [round(load_before, 1), round(os.getloadavg()[0], 1)], "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--during-render", action="store_true")
    args = parser.parse_args()
    assert all(len(t) == 40 for t in NOTICES)
    import psutil

    with tempfile.TemporaryDirectory(prefix="bench-urgent-") as tmp:
        data = Path(tmp) / "data"
        env = {**os.environ, "BROADCASTER_CACHE_DIR": str(Path(tmp) / "cache")}
        server = subprocess.Popen([sys.executable, "-m", "broadcaster", "serve", "--data", str(data), "--port", str(args.port)],
                                  env=env, stdout=subprocess.DEVNULL)
        try:
            started = time.perf_counter()
            log = data / "logs" / "urgent-worker.log"
            while not (log.exists() and "ready" in log.read_text(encoding="utf-8")):
                if server.poll() is not None:
                    raise SystemExit("broadcaster serve stopped")
                time.sleep(0.1)
            warm_s = time.perf_counter() - started
            client = Client(f"http://127.0.0.1:{args.port}")
            page = client.get("/urgent").decode()
            token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
            voice = re.search(r'<option value="([^"]+:[^"]+)"', page).group(1)
            worker = next(p for p in psutil.Process(server.pid).children() if "urgent_worker" in " ".join(p.cmdline()))
            out = {"cpu": cpu_info(), "voice": voice, "server_start_to_warm_s": round(warm_s, 2),
                   "worker_rss_warm_mb": round(worker.memory_info().rss / 2**20)}
            out["idle_server"] = series(client, NOTICES[: args.runs], token, voice, worker)
            out["worker_rss_after_mb"] = round(worker.memory_info().rss / 2**20)
            if args.during_render:
                article = (REPO / "examples/articles/winter-water.txt").read_text(encoding="utf-8")
                form = {"csrf": token, "title": "冬季农田水利建设", "cleaned": article, "voice": voice, "rate": "+0%",
                        "jingles": "1", "profile": "loudspeaker", "spoken": "", "spoken_original": ""}
                with client.opener.open(client.base + "/broadcasts", urllib.parse.urlencode(form).encode()) as answer:
                    job_id = int(answer.url.rsplit("/", 1)[1])  # redirected to /jobs/N
                while client.get(f"/jobs/{job_id}.json", json_=True)["state"] != "running":
                    time.sleep(0.1)
                time.sleep(3)  # the render's process has loaded its model and is synthesising
                out["during_render"] = series(client, NOTICES[args.runs: 2 * args.runs], token, voice, worker)
                out["during_render"]["render_still_running"] = client.get(f"/jobs/{job_id}.json", json_=True)["state"] == "running"
            print(json.dumps(out, ensure_ascii=False, indent=1))
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
