"""The county's tasks on workers behind Redis, with Dramatiq (see docs/county.md for why Dramatiq).

What Dramatiq's Redis broker gives (read in its source, dramatiq 2.x):

- *acks after the work*: a message stays in the worker's ack set in Redis
  until the actor has returned (worker.py `post_process_message`);
- *a dead worker's tasks go to another*: every broker command refreshes the
  process's heartbeat; a small share of commands runs maintenance
  (brokers/redis/dispatch.lua), which puts the unacked messages of workers
  silent for longer than `heartbeat_timeout` back on the queue. A busy
  worker keeps beating: its delay-queue consumer polls at least once a
  second. We set the timeout from BROADCASTER_BROKER_HEARTBEAT_S (60 s) and
  run maintenance more often than Dramatiq's 0.1 % of commands
  (`maintenance_chance`), which can leave a dead worker's task waiting for
  many minutes;
- *retries with backoff*: the Retries middleware sends a failed task again
  after an exponential backoff (here 2 s doubling to 5 min, 3 times);
  a bad input is not retried;
- *one task per process*: workers run with one thread each and prefetch one
  message (`dramatiq_queue_prefetch=1`), so a busy process holds no second
  task another machine could be doing;
- *rate limit for the online engine*: segment tasks of an engine that needs
  the network hold a county-wide `ConcurrentRateLimiter` (a Redis
  semaphore, `online_concurrency:` in county.yaml); a task that finds no
  free slot is sent again after a backoff (up to `RATE_RETRIES` times).

Tasks report through the shared folder (county/state.py), which is what the
waiting `county render` reads; messages carry paths as every machine mounts
the county folder at the same place.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass

from broadcaster.county.state import FINAL, read_states
from broadcaster.errors import BroadcasterError, InputError

QUEUE = "broadcaster-county"
MAX_RETRIES = 3
MIN_BACKOFF_MS = 2_000
MAX_BACKOFF_MS = 300_000
TIME_LIMIT_MS = 3 * 3600_000  # a batch of segments or a village takes minutes; Dramatiq's default (10 min) is too tight
RATE_RETRIES = 20  # an online-engine task that found no free slot: about an hour of backoffs
POLL_S = 0.5
LOST_CHECKS = 4  # polls in a row that find the queue empty before its unfinished tasks are sent again


class BrokerUnreachable(BroadcasterError):
    """The broker cannot be reached (exit 1)."""


@dataclass
class Queue:
    broker: object
    segments: object  # the actors
    village: object


def check_url(url: str) -> str:
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise InputError(f"--broker: {url!r} is not a Redis address like redis://127.0.0.1:6379/0")
    return url


def connect(url: str) -> Queue:
    """The broker at `url` and the county's two actors on it."""
    os.environ.setdefault("dramatiq_queue_prefetch", "1")  # read by dramatiq.worker when it is first imported
    import dramatiq
    from dramatiq.brokers.redis import RedisBroker
    from dramatiq.middleware import CurrentMessage

    from broadcaster import settings

    heartbeat_s = settings.read("BROADCASTER_BROKER_HEARTBEAT_S")
    broker = RedisBroker(url=check_url(url), heartbeat_timeout=int(heartbeat_s * 1000),
                         maintenance_chance=maintenance_chance(heartbeat_s), namespace="broadcaster")
    broker.add_middleware(CurrentMessage())
    dramatiq.set_broker(broker)
    options = {"broker": broker, "queue_name": QUEUE, "max_retries": MAX_RETRIES, "min_backoff": MIN_BACKOFF_MS,
               "max_backoff": MAX_BACKOFF_MS, "time_limit": TIME_LIMIT_MS, "retry_when": _retry_when}
    segments = dramatiq.actor(_segments_task, actor_name="county_segments", **options)
    village = dramatiq.actor(_village_task, actor_name="county_village", **options)
    return Queue(broker, segments, village)


def maintenance_chance(heartbeat_s: float) -> int:
    """Per million broker commands, how many look for dead workers' tasks.

    An idle worker sends about two commands a second (its queue and its
    delay queue, each polled at least once a second), so with this chance a
    dead worker's task is back on the queue about half a heartbeat timeout
    after the timeout has passed; at least 2 % of commands (Dramatiq's
    default, 0.1 %, can leave it waiting for many minutes).

    >>> maintenance_chance(60.0), maintenance_chance(5.0), maintenance_chance(0.5)
    (20000, 200000, 1000000)
    """
    return int(min(1_000_000, max(20_000, 1_000_000 / heartbeat_s)))


def _retry_when(retries: int, exc: BaseException) -> bool:
    from dramatiq.rate_limits import RateLimitExceeded

    if isinstance(exc, RateLimitExceeded):
        return retries < RATE_RETRIES
    return retries < MAX_RETRIES and not isinstance(exc, InputError)


def _retries() -> int:
    from dramatiq.middleware import CurrentMessage

    message = CurrentMessage.get_current_message()
    return message.options.get("retries", 0) if message is not None else MAX_RETRIES


def _will_retry(spec: dict) -> dict:
    return {**spec, "will_retry": _retries() < MAX_RETRIES}


def _segments_task(spec: dict) -> None:
    from broadcaster.county.tasks import make_segments
    from broadcaster.synthesise.engines.base import get_engine

    spec = _will_retry(spec)
    if not getattr(get_engine(spec["engine"]), "needs_network", False):
        make_segments(spec)
        return
    import dramatiq
    from dramatiq.rate_limits import ConcurrentRateLimiter, RateLimitExceeded
    from dramatiq.rate_limits.backends import RedisBackend

    from broadcaster.county.tasks import record_failure

    broker = dramatiq.get_broker()
    limiter = ConcurrentRateLimiter(RedisBackend(client=broker.client), f"online-engine-{spec['engine']}",
                                    limit=int(spec.get("online_concurrency", 2)), ttl=TIME_LIMIT_MS)
    try:
        with limiter.acquire(raise_on_failure=True):
            make_segments(spec)
    except RateLimitExceeded as exc:  # no free slot: sent again after a backoff (_retry_when)
        # Out of tries, the task is recorded failed and the villages' renders
        # make these segments themselves (or fall back), so the run goes on.
        record_failure({**spec, "will_retry": _retries() < RATE_RETRIES}, exc)
        raise


def _village_task(spec: dict) -> None:
    from broadcaster.county.tasks import assemble_village

    assemble_village(_will_retry(spec))


class QueueRunner:
    """Sends the tasks to the workers and waits for each to be done or finally failed."""

    def __init__(self, url: str, workers_hint: int = 0, reconnect_s: float = 600.0):
        self.queue = connect(url)
        self.seen = self._live_workers()  # workers heard from within a heartbeat (0: the tasks wait for one)
        self.workers = workers_hint or max(1, self.seen)
        self.reconnect_s = reconnect_s

    def _live_workers(self) -> int:
        import redis

        try:
            now_ms = time.time() * 1000
            heartbeat_ms = self.queue.broker.heartbeat_timeout
            return int(self.queue.broker.client.zcount("broadcaster:__heartbeats__", now_ms - heartbeat_ms, "+inf"))
        except redis.RedisError as exc:
            raise BrokerUnreachable(f"cannot reach the broker: {exc}") from None

    def run(self, kind: str, specs: list[dict]) -> dict[str, dict | str]:
        import redis

        actor = self.queue.segments if kind == "segments" else self.queue.village
        for spec in specs:
            self._retrying(lambda spec=spec: actor.send(spec), redis.RedisError)
        folder = specs[0]["state_dir"] if specs else None
        by_name = {s["task"]: s for s in specs}
        empty_checks = 0
        while True:
            states = read_states(folder) if folder else {}
            final = {n: states[n] for n in by_name if states.get(n, {}).get("state") in FINAL}
            if len(final) == len(by_name):
                return {n: (s if s["state"] == "done" else str(s.get("error") or "failed")) for n, s in final.items()}
            empty_checks = empty_checks + 1 if self._queue_is_empty() else 0
            if empty_checks >= LOST_CHECKS:
                # Not final, yet no message of ours is left in the broker: it lost
                # them (restarted without its append-only file). Both task kinds are
                # safe to run twice, so the unfinished ones are simply sent again.
                for name in sorted(set(by_name) - set(final)):
                    self._retrying(lambda name=name: actor.send(by_name[name]), redis.RedisError)
                empty_checks = 0
            time.sleep(POLL_S)

    def _queue_is_empty(self) -> bool:
        """True when the broker holds no message of the county's queue: none waiting, none
        being worked on (a message stays until acknowledged), none waiting to be retried.
        A task writes its final state before its message is acknowledged, so an empty
        queue with unfinished tasks means lost messages. False when it cannot be told."""
        import redis

        client = self.queue.broker.client
        try:
            return client.hlen(f"broadcaster:{QUEUE}.msgs") + client.hlen(f"broadcaster:{QUEUE}.DQ.msgs") == 0
        except redis.RedisError:
            return False

    def _retrying(self, call, errors):
        """`call()`, again and again while the broker restarts (up to `reconnect_s`)."""
        deadline = time.monotonic() + self.reconnect_s
        delay_s = 0.2
        while True:
            try:
                return call()
            except errors as exc:
                if time.monotonic() > deadline:
                    raise BrokerUnreachable(f"cannot reach the broker: {exc}") from None
                time.sleep(delay_s)
                delay_s = min(delay_s * 2, 5.0)


def run_worker(url: str, concurrency: int) -> int:
    """Dramatiq's own worker command: `concurrency` processes with one thread each; returns its exit code."""
    check_url(url)
    os.environ["BROADCASTER_BROKER"] = url  # the processes read it in worker_entry
    os.environ.setdefault("dramatiq_queue_prefetch", "1")
    from dramatiq.cli import main, make_argument_parser

    args = make_argument_parser().parse_args(
        ["broadcaster.county.worker_entry", "--processes", str(concurrency), "--threads", "1", "--queues", QUEUE])
    return main(args)
