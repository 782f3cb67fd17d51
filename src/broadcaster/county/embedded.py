"""The county's tasks on this machine: a local pool of processes, no broker.

Each process runs one task at a time (synthesis wants every core it is
given), `concurrency` of them at once (default: one per core). With one, the
tasks run in this process, one after another. Processes are forked where the
platform can (Linux), so engines registered by a plug-in are there too.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from broadcaster.county import tasks

_TASKS = {"segments": tasks.make_segments, "village": tasks.assemble_village}


def default_concurrency() -> int:
    return max(1, os.cpu_count() or 1)


class EmbeddedRunner:
    def __init__(self, concurrency: int | None = None):
        self.workers = concurrency or default_concurrency()

    def run(self, kind: str, specs: list[dict]) -> dict[str, dict | str]:
        task = _TASKS[kind]
        out: dict[str, dict | str] = {}
        if self.workers == 1 or len(specs) == 1:
            try:
                for spec in specs:
                    out[spec["task"]] = _call(task, spec)
            finally:
                tasks.release_engines()
            return out
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(min(self.workers, len(specs)), mp_context=multiprocessing.get_context(method)) as pool:
            futures = {spec["task"]: pool.submit(_call, task, spec) for spec in specs}
            for name, future in futures.items():
                try:
                    out[name] = future.result()
                except Exception as exc:  # the process died (killed, out of memory): that task failed
                    out[name] = f"{type(exc).__name__}: {exc}"
        return out


def _call(task, spec: dict) -> dict | str:
    """The task's result, or its error as one line (a failed village does not stop the others)."""
    try:
        return task(spec)
    except Exception as exc:
        return str(exc) or type(exc).__name__
