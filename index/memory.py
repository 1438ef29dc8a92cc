"""Keep a long ingest's memory at what one forward pass needs, without slowing the pass.

A forward pass over a batch of 64 passages allocates and frees tensors of 4-32 MB. Served from
glibc's heap they are fast (the pages stay mapped); served each from its own mapping (glibc's
128 KiB default threshold) every one is faulted in afresh: twice the page faults and a forward
pass 12-14% slower (measured, bench/ingest_speed.py's corpus, interleaved rounds). But on the
heap, small objects allocated between those blocks fragment it, and a 100,000-complaint ingest
grew to 2.5 GB. So: large blocks stay on the heap (a fixed 32 MiB threshold, glibc's ceiling),
and once the heap holds more than SLACK free bytes (checked after each forward pass) its free
pages go back to the system (malloc_trim, which since glibc 2.8 releases free pages inside the
heap, not only at its top). Measured at 20,000 complaints: peak RSS 1,004 MB against 952 MB
with the 128 KiB threshold.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

M_TRIM_THRESHOLD = -1  # from <malloc.h>
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's own upper bound for its drifting threshold
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # what glibc's drift would set beside it
SLACK = 256 * 1024 * 1024  # free heap bytes kept for the next passes before handing them back


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


@cache
def _libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    if not (hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim")):
        return None
    if hasattr(libc, "mallinfo2"):  # glibc >= 2.33
        libc.mallinfo2.restype = _Mallinfo2
    return libc


def bound_heap() -> bool:
    """Keep large tensors on the heap; True where the allocator took it (glibc), else a no-op."""
    libc = _libc()
    return bool(libc and libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


def _free_heap_bytes(libc) -> int | None:
    """Free bytes held by the heap (glibc >= 2.33), None where unknown."""
    return libc.mallinfo2().fordblks if hasattr(libc, "mallinfo2") else None


def release_free_memory(slack: int = SLACK) -> None:
    """After a forward pass: once the heap holds more than `slack` free bytes, return its free
    pages to the system. Trimming after every pass cost 8% of ingest in page faults; past a
    slack it runs every few batches and RSS stays within the slack of what is in use."""
    libc = _libc()
    if not libc:
        return
    free = _free_heap_bytes(libc)
    if free is None or free > slack:
        libc.malloc_trim(0)
