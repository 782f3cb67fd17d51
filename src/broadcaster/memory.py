"""Handing freed memory back to the operating system.

glibc keeps memory that Python, numpy and onnxruntime free inside its heaps,
so the resident size of a long render only ever grows. `malloc_trim(0)` gives
the free pages back (from every thread's arena, not only the top of the
main heap); calling it after each inference and after mixing lowered the
peak of a 490-second render by ~40 MB here, at no measurable cost in time.
A no-op where the C library is not glibc.
"""
from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS, Windows)
        return None


def return_free_memory() -> None:
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
