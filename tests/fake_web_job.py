"""One job of `broadcaster serve`'s queue, run as the web app runs it, with the fake engine
registered (FAKE_DELAY_S slows each segment, as in fake_cli.py):

    python tests/fake_web_job.py DATA_DIR JOB_ID

FAKE_NETWORK_DOWN=1 makes it an online voice whose service cannot be reached
(each request fails as edge-tts does then), and the offline voice the render
falls back to ("kokoro") a fake too, so the fallback is fast and certain.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from broadcaster.synthesise.engines import base  # noqa: E402
from broadcaster.web.job import main  # noqa: E402
from broadcaster.errors import SynthesisError  # noqa: E402
from fake_cli import SlowFakeEngine  # noqa: E402
from support import FakeEngine  # noqa: E402


class UnreachableEngine(SlowFakeEngine):
    needs_network = True

    def synthesize_many(self, requests, progress=None, on_result=None):
        out = []
        for request in requests:
            out.append(SynthesisError(f"edge-tts failed for {request.voice.name} after 3 attempt(s): cannot connect to "
                                      "speech.platform.bing.com:443 (Temporary failure in name resolution)"))
            if progress:
                progress(1)  # as edge.py does: progress for every request, spoken or not
        return out


if __name__ == "__main__":
    if os.environ.get("FAKE_NETWORK_DOWN") == "1":
        base.register_engine("fake", UnreachableEngine, replace=True)
        base.register_engine("kokoro", lambda: FakeEngine("kokoro"), replace=True)
    else:
        base.register_engine("fake", SlowFakeEngine, replace=True)
    raise SystemExit(main(sys.argv[1:]))
