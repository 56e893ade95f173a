"""The garbage collector's settings while the reading stage runs: the loaded heap frozen, fewer young collections.

Why: after ``load_resources`` the process holds ~300,000 tracked objects (spaCy pipelines, lexicons, the
indicator model's vocabulary, SQLAlchemy's tables), none of which the stage frees. CPython's full collection
walks all of them whenever enough objects have survived since the last one: in a 2,000-ad stage run one such
collection took ~170 ms (~85 µs per ad, ~10 % of the stage), and they recur as the reader's word caches grow.
Frozen (``gc.freeze``), they sit in the permanent generation and a full collection walks only what the stage
itself made. A larger young-generation threshold lets most of a batch's short-lived objects (readings, rows,
match objects) die by reference count before any collection looks at them (~17 -> ~10 µs per ad spent in
young collections, measured with ``gc.callbacks``). Neither changes what is read or written; the previous
settings come back when the stage ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Young-generation threshold while reading (CPython's default is 700 allocations).
YOUNG_THRESHOLD = 10_000


@contextmanager
def stage_gc() -> Iterator[None]:
    """Within: objects alive at entry frozen (unless the caller froze some already), young threshold raised."""
    thresholds = gc.get_threshold()
    freeze = gc.get_freeze_count() == 0  # a caller that froze its own heap (e.g. before forking) keeps it so
    if freeze:
        gc.freeze()
    gc.set_threshold(max(thresholds[0], YOUNG_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if freeze:
            gc.unfreeze()
