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
