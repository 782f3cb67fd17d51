"""The warm urgent worker of `broadcaster serve`, run as the web app runs it, with the
fake engine registered (FAKE_DELAY_S slows each segment, as in fake_cli.py):

    python tests/fake_urgent_worker.py DATA_DIR fake:v1
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from broadcaster.synthesise.engines import base  # noqa: E402
from broadcaster.web.urgent_worker import main  # noqa: E402
from fake_cli import SlowFakeEngine  # noqa: E402

if __name__ == "__main__":
    base.register_engine("fake", SlowFakeEngine, replace=True)
    raise SystemExit(main(sys.argv[1:]))
