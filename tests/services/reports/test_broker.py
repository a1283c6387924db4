"""The report workers' Redis consumer (``broker.PromptRedisBroker``): while its worker is busy
it does not poll Redis, and it takes the next message as soon as one is done.

Dramatiq's own consumer polled every ``worker_timeout`` (50 ms: ~20 Redis calls a second per
queue beside every render) or, with a long timeout, left the worker idle up to that long
after each message. Needs Redis (``TEST_REDIS_URL``, default ``redis://127.0.0.1:6379/6``);
the keys have a namespace of their own, deleted afterwards.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import dramatiq
import pytest

from dx_assess.services.reports.broker import PromptRedisBroker

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/6")


def _redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


pytestmark = pytest.mark.skipif(not _redis_reachable(), reason="needs Redis (TEST_REDIS_URL)")


@pytest.fixture
def broker() -> Iterator[PromptRedisBroker]:
    namespace = f"dx_test_broker_{uuid.uuid4().hex[:8]}"
    broker = PromptRedisBroker(url=REDIS_URL, namespace=namespace)  # type: ignore[no-untyped-call]
    yield broker
    for key in broker.client.scan_iter(f"{namespace}*"):
        broker.client.delete(key)
    broker.close()


def test_a_busy_worker_does_not_poll_and_takes_the_next_message_at_once(
    broker: PromptRedisBroker,
) -> None:
    ran: list[tuple[float, float]] = []
    done = threading.Event()

    def work(seconds: float, last: bool) -> None:
        started = time.monotonic()
        time.sleep(seconds)
        ran.append((started, time.monotonic()))
        if last:
            done.set()

    actor: Any = dramatiq.actor(broker=broker, queue_name="dx_test", max_retries=0)(work)
    fetches: list[tuple[str, float]] = []
    fetch = broker.do_fetch

    def counted(queue_name: str, *args: Any) -> Any:
        fetches.append((queue_name, time.monotonic()))
        return fetch(queue_name, *args)

    broker.do_fetch = counted
    actor.send(2.5, False)  # a long report …
    for i in range(4):
        actor.send(0.3, i == 3)  # … then shorter ones
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=1000)
    worker.queue_prefetch = 1
    worker.start()
    try:
        assert done.wait(20)
    finally:
        worker.stop(timeout=5000)
    assert len(ran) == 5
    first_start, first_end = ran[0]
    during = [q for q, at in fetches if first_start + 0.05 < at < first_end - 0.05]
    # the queue is not asked while the worker is busy (Dramatiq's consumer at 50 ms: ~50
    # times); its delay queue (retries) backs off to once a second
    assert [q for q in during if q == "dx_test"] == []
    assert len([q for q, at in fetches if first_start + 1.2 < at < first_end - 0.05]) <= 2
    # the next message starts as soon as the one before is done (Dramatiq's consumer with a
    # 1 s timeout: 0.5–1 s later)
    gaps = [after[0] - before[1] for before, after in itertools.pairwise(ran)]
    assert sum(gaps) < 0.2, gaps
