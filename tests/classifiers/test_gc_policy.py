"""The reading stage's garbage collector settings hold only while it runs, and leave a caller's frozen heap alone."""

from __future__ import annotations

import gc

from classifiers.gc_policy import YOUNG_THRESHOLD, stage_gc


def test_settings_inside_and_restored_after() -> None:
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    with stage_gc():
        assert gc.get_threshold()[0] >= YOUNG_THRESHOLD
        assert gc.get_threshold()[1:] == before[1:]
        assert gc.get_freeze_count() > 0  # the heap alive at entry is frozen
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_restored_after_an_error() -> None:
    before = gc.get_threshold()
    try:
        with stage_gc():
            raise ValueError("a failing batch")
    except ValueError:
        pass
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_callers_frozen_heap_stays_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with stage_gc():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
