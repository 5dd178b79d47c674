"""Cyclic garbage (which may hold Qt objects) is collected on the GUI thread, never on a worker thread."""

from __future__ import annotations

import gc
import threading
import weakref

from opsdesk.ui import gc_guard


def test_automatic_collection_is_off_and_the_gui_thread_collects(qapp):
    guard = gc_guard.install(qapp)
    assert not gc.isenabled()
    collected_on: list[str] = []

    class Holder:
        pass

    def make_cycles() -> None:
        for _ in range(50):
            holder = Holder()
            holder.me = holder  # a reference cycle only the cyclic collector frees
            weakref.finalize(holder, lambda: collected_on.append(threading.current_thread().name))
        junk = [[] for _ in range(200_000)]  # far past the generation-0 threshold
        del junk

    worker = threading.Thread(target=make_cycles, name="worker")
    worker.start()
    worker.join()
    assert collected_on == []  # the worker's allocations collected nothing
    guard.check()
    gc.collect()
    assert collected_on and set(collected_on) == {threading.current_thread().name}


def test_a_load_holds_the_collector_until_it_is_done_or_too_long(qapp):
    """While a worker builds a page's rows the GUI thread does not walk them half-built (a stall of the window);
    the check after the load collects, and a load that runs on still lets the collector run now and then."""
    guard = gc_guard.install(qapp)
    collections: list[int] = []

    def count(phase: str, info: dict) -> None:
        if phase == "start":
            collections.append(info["generation"])

    def allocate() -> None:
        junk = [[] for _ in range(5_000)]  # past the generation-0 threshold, still alive
        kept.append(junk)

    kept: list[object] = []
    gc.callbacks.append(count)
    try:
        with gc_guard.held():
            allocate()
            guard.check()
            assert collections == []  # held: nothing walked
            for _ in range(guard.MAX_HELD):
                allocate()
                guard.check()
            assert collections  # held too long: the collector ran anyway
        collections.clear()
        allocate()
        guard.check()
        assert collections  # the load is done: the next check collects
    finally:
        gc.callbacks.remove(count)
