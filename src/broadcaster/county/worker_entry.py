"""What each process of `broadcaster worker` imports first (Dramatiq's worker command
takes a module that sets up the broker): the broker named in BROADCASTER_BROKER
and the county's actors on it."""
from __future__ import annotations

import os

from broadcaster.county.queue import connect
from broadcaster.render import load_libraries

broker = connect(os.environ["BROADCASTER_BROKER"]).broker
# Tasks run on a worker thread; everything a render imports is imported here,
# on the process's main thread, first (ARCHITECTURE: "Threads").
load_libraries()
