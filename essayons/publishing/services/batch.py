"""Many deliveries at once in one worker process (docs/adr/0005).

A network answers in ~100 ms: a worker sending one delivery at a time would spend its life
waiting. A task carries a batch of delivery ids (PUBLISH_THREADS of them); the batch is taken
in one transaction, its network calls run side by side on a pool of threads kept for the
life of the process (each thread with its own database connection), and its successes are
recorded in one transaction. Failures, and deliveries that need checking or a person, go one
by one. The task waits for its batch, so nothing is ever held in memory only.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.db import close_old_connections

from essayons.connectors.base import Published
from essayons.connectors.errors import ConnectorError
from essayons.publishing import conf
from essayons.publishing.models import DeliveryStatus
from essayons.publishing.services.permalink import delivery_permalink_check
from essayons.publishing.services.send import call, take, work
from essayons.publishing.services.state import failure, published_many, worker_name

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0


def _executor(size: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != size:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="publish")
            _pool_size = size
        return _pool


def _in_thread(job: Callable[[T], Any]) -> Callable[[T], Any]:
    def run(item: T) -> Any:
        close_old_connections()  # a broken or expired connection of this thread is replaced
        try:
            return job(item)
        except Exception as error:
            # A delivery left claimed or sending is brought back safely by the lease.
            log.exception("%r could not be processed", item)
            return error

    return run


def _many(job: Callable[[T], R], items: list[T]) -> list[R]:
    """`job` on each item, up to PUBLISH_THREADS at a time, results in order."""
    if min(conf.threads(), len(items)) <= 1:
        return [job(item) for item in items]
    return list(_executor(conf.threads()).map(_in_thread(job), items))


def deliveries_send_many(delivery_ids: list[int]) -> dict[str, int]:
    """Send the batch: taken together, sent side by side, the successes recorded together;
    anything else (a failure, a delivery to check or hand over) one by one. Counts of the
    statuses reached."""
    worker = worker_name()
    taken = take(delivery_ids, worker)
    straight = [t for t in taken if t.attempt is not None]
    careful = [t.delivery for t in taken if t.attempt is None]
    answers = _many(call, straight)
    done: list[str] = []
    successes = []
    for item, answer in zip(straight, answers, strict=True):
        if isinstance(answer, Published) and item.attempt is not None:
            successes.append((item.delivery, item.attempt, answer))
        elif isinstance(answer, ConnectorError) and item.attempt is not None:
            done.append(failure(item.delivery, worker, item.attempt, answer))
    done += [DeliveryStatus.PUBLISHED] * published_many(worker, successes)
    done += _many(lambda delivery: work(delivery, worker), careful)
    return dict(Counter((str(s) if isinstance(s, str) else "error") or "skipped" for s in done))


def permalinks_check_many(delivery_ids: list[int]) -> dict[str, int]:
    seen = _many(lambda i: delivery_permalink_check(delivery_id=i), delivery_ids)
    return dict(Counter(str(result) for result in seen))
