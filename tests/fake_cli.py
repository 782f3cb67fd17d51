"""`broadcaster` as a user runs it, with the fake engine registered: for tests
that must run the command in its own process (to kill it, or to run two at
once); "online" is the same fake as a voice that needs the network. FAKE_DELAY_S slows each segment down; after each segment is handed to
the render, "fake: made N" goes to stderr, so a test knows how far it got.

    python tests/fake_cli.py render script.yaml --out out
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from broadcaster.cli import main  # noqa: E402
from broadcaster.synthesise.engines import base  # noqa: E402
from support import FakeEngine  # noqa: E402


class SlowFakeEngine(FakeEngine):
    def synthesize_many(self, requests, progress=None, on_result=None):
        delay_s = float(os.environ.get("FAKE_DELAY_S", "0"))
        made = 0

        def handed_on(i, speech):
            nonlocal made
            if on_result is not None:
                on_result(i, speech)
            made += 1
            print(f"fake: made {made}", file=sys.stderr, flush=True)

        out = []
        for request in requests:
            time.sleep(delay_s)
            out += super().synthesize_many([request], progress, lambda _, speech, i=len(out): handed_on(i, speech))
        return out


class OnlineFakeEngine(SlowFakeEngine):
    """The slow fake as an online voice (needs_network), for what a county does with one."""

    needs_network = True


if __name__ == "__main__":
    base.register_engine("fake", SlowFakeEngine, replace=True)
    base.register_engine("online", lambda: OnlineFakeEngine("online"), replace=True)
    main(sys.argv[1:])
