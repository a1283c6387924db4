"""Dramatiq's Redis broker with a consumer that does not poll while its worker is busy.

Dramatiq's Redis consumer wakes every ``worker_timeout`` milliseconds: when its prefetch is
full (the worker is rendering the report it took) it sleeps and wakes again, and it takes the
next message only at the first wake after the report is acknowledged. A short timeout (50 ms,
so that a worker does not sit idle after each report) made each consumer of a worker (the
queue and its delay queue) wake 20 times a second; they used ~90–160 ms of CPU beside every
2.7 s render, and 2.7 % of a core while idle.

``PromptRedisBroker``'s consumer instead:

* while every thread is busy, waits for an acknowledgement (set by the worker thread that
  finished, ``ack``/``nack``) and fetches the next message at once — no polling, no idle gap;
  it still returns to the worker once every ``worker_timeout`` (1 s) to see whether it should
  stop;
* when it has room and the queue is empty, polls with Dramatiq's back-off up to
  ``IDLE_POLL_MS`` (a new batch's first messages wait at most that long), the delay queue
  (messages of a retry, which waits 0.5–3 s anyway) up to ``DELAY_POLL_MS``.

Every fetch also renews the worker's heartbeat in Redis; the delay queue's poll renews it at
least once a second, well within the heartbeat timeout of ``tasks``.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import redis
from dramatiq.broker import MessageProxy
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from dramatiq.common import compute_backoff, dq_name
from dramatiq.errors import ConnectionClosed
from dramatiq.message import Message

#: The longest an idle worker waits before looking at its queue again (milliseconds).
IDLE_POLL_MS = 200
#: The same for the delay queue (retries).
DELAY_POLL_MS = 1000


class _PromptConsumer(_RedisConsumer):  # Dramatiq's consumer has no annotations
    def __init__(
        self, broker: RedisBroker, queue_name: str, prefetch: int, timeout: int, poll_ms: int
    ) -> None:
        super().__init__(broker, queue_name, prefetch, timeout)  # type: ignore[no-untyped-call]
        self.poll_ms = poll_ms
        self.freed = threading.Event()  # a message was acknowledged: there is room again

    def ack(self, message: Any) -> None:
        try:
            super().ack(message)  # type: ignore[no-untyped-call]
        finally:
            self.freed.set()

    def nack(self, message: Any) -> None:
        try:
            super().nack(message)  # type: ignore[no-untyped-call]
        finally:
            self.freed.set()

    def _full(self) -> bool:
        return bool(self.outstanding_message_count >= self.prefetch)

    def __next__(self) -> MessageProxy | None:
        try:
            while True:
                if self.message_cache:
                    data = self.message_cache.pop(0)
                    if data is None:  # pragma: no cover - Dramatiq's own guard (#266)
                        continue
                    self.misses = 0
                    message = Message.decode(data)
                    self.queued_message_ids.add(message.message_id)
                    return MessageProxy(message)
                if self._full():
                    self.freed.clear()
                    if self._full():  # still busy: wait for an acknowledgement
                        self.freed.wait(self.timeout / 1000)
                    if self._full():
                        return None  # the worker looks whether it should stop
                self.message_cache = messages = self.broker.do_fetch(
                    self.queue_name, self.prefetch - self.outstanding_message_count
                )
                if not messages:
                    self.misses, backoff_ms = compute_backoff(self.misses, max_backoff=self.poll_ms)
                    time.sleep(backoff_ms / 1000)
                    return None
        except redis.ConnectionError as exc:
            raise ConnectionClosed(exc) from None  # type: ignore[no-untyped-call]


class PromptRedisBroker(RedisBroker):
    """A ``RedisBroker`` whose consumers wait for work instead of polling (module docstring)."""

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000) -> Any:
        poll = DELAY_POLL_MS if queue_name == dq_name(queue_name) else IDLE_POLL_MS
        return _PromptConsumer(self, queue_name, prefetch, timeout, min(poll, timeout))
