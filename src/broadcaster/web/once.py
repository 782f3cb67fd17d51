"""One broadcast per form, however often it is posted.

Each form that makes a job carries a one-time token (`once_token()`, a hidden
field `once`). The first post carrying it claims the token in the store and
makes the job; a second post of the same form (a double click past the
script, the browser's resubmit after Back, a reload of the POST) makes
nothing and is sent to the job the first one made, waiting for it briefly
when both arrive together. A post without a token (a script of staff's own)
is made as it comes.

    >>> len(once_token()), once_token() != once_token()
    (22, True)
"""
from __future__ import annotations

import re
import secrets
import time
from typing import Callable

from broadcaster.web.store import Store

FIELD = "once"
WAIT_S = 10.0  # the first post is still saving its broadcast: it takes well under a second
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def once_token() -> str:
    return secrets.token_urlsafe(16)


def submit_once(store: Store, token: str | None, make_job: Callable[[], int], poll_s: float = 0.1) -> int | None:
    """The job for this form: made now by `make_job`, or the one an earlier post of the same
    form made (None when that post is still not done after `WAIT_S`, or failed)."""
    if not token or not _TOKEN.fullmatch(token):
        return make_job()
    if not store.claim_submission(token):
        deadline = time.monotonic() + WAIT_S
        while (job_id := store.submission_job(token)) is None and time.monotonic() < deadline:
            time.sleep(poll_s)
        return job_id
    try:
        job_id = make_job()
    except BaseException:
        store.forget_submission(token)
        raise
    store.record_submission(token, job_id)
    return job_id
