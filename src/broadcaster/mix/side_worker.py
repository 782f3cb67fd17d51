"""One helper thread that runs the second half of each block's work, in order.

The mix makes the programme a block at a time, and each block's work splits
in two: making it (placing clips, beds, the horn filter) and finishing it
(the loudness estimate's filter, writing it to disk); levelling likewise
splits into reading and gaining, then limiting and writing. numpy, scipy's
filters and file writes release the GIL, so with the finishing on this
thread the two halves of neighbouring blocks run on both cores at once:

    with SideWorker() as side:
        for start in blocks:
            piece = make(start)
            side.submit(finish, start, piece)   # runs after the previous block's finish

Safe by construction: one thread, so the finishing steps run one after
another in the order submitted and never race each other; the caller hands
over each block and does not touch it again; at most `ahead` blocks wait,
so memory stays bounded; an error in a finishing step is raised in the
caller at the next submit or at the end; and the thread never imports
(everything it runs is loaded before it starts: `meter.warm_up`).
"""
from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable


class SideWorker:
    """`threads=1` (the default) runs the steps one after another, in order.
    More threads suit steps that do not depend on each other (limiting
    blocks whose context was read already); then order is not kept, and
    `ahead` is per thread."""

    def __init__(self, ahead: int = 2, threads: int = 1):
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="mix-side")
        self._pending: deque[Future] = deque()
        self._ahead = ahead * threads

    def submit(self, fn: Callable, *args) -> None:
        while len(self._pending) >= self._ahead:
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(fn, *args))

    def drain(self) -> None:
        """Wait for every submitted step; raise the first error."""
        while self._pending:
            self._pending.popleft().result()

    def __enter__(self) -> "SideWorker":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        try:
            if exc_type is None:
                self.drain()
        finally:
            for future in self._pending:
                future.cancel()
            self._pool.shutdown(wait=True)
