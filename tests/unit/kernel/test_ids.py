"""Ids sort in the order they were made, within a millisecond too (lists paginate by id)."""
from __future__ import annotations

import threading

from services.kernel.ids import new_id


def test_ids_made_in_one_burst_sort_in_the_order_they_were_made() -> None:
    ids = [new_id() for _ in range(2000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) and all(len(i) == 26 for i in ids)


def test_threads_never_get_the_same_id() -> None:
    made: list[list[str]] = [[] for _ in range(4)]

    def make(out: list[str]) -> None:
        out.extend(new_id() for _ in range(500))

    threads = [threading.Thread(target=make, args=(out,)) for out in made]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for out in made for i in out]
    assert len(set(every)) == len(every) and all(out == sorted(out) for out in made)
