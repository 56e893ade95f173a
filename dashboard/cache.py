"""A tiny per-process TTL cache for aggregates that change once a night (scores, indicator codes, counts).

Kept on ``app.state`` so each app (and each test's app) has its own; values are plain data, never ORM
objects, so they outlive the session that computed them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request

T = TypeVar("T")
_lock = threading.Lock()


def cached(request: Request, key: str, ttl: float, compute: Callable[[], T]) -> T:
    """cached (T): ``compute()``'s value, recomputed at most every ``ttl`` seconds per process."""
    store: dict[str, tuple[float, Any]] = request.app.state.__dict__.setdefault("ttl_cache", {})
    hit = store.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < ttl:
        return hit[1]
    value = compute()
    with _lock:
        store[key] = (now, value)
    return value


def clear(request: Request) -> None:
    """clear: forget every cached value (after a change the user must see at once)."""
    request.app.state.__dict__.setdefault("ttl_cache", {}).clear()
