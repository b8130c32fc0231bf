"""Memory fences and the futex wait, through ctypes (Linux only).

Python has no atomics, so the ring reader relies on these facts:

* numpy loads of an aligned 4- or 8-byte element are single loads (never torn), and the copies of
  the slot fields and the mask are ``memcpy`` calls; every one of them is a separate, opaque C call,
  so the C compiler cannot reorder them against each other.
* On x86-64 the hardware keeps loads in program order (TSO), so plain loads already have the
  acquire ordering the reader protocol asks for and :func:`acquire_fence` does nothing.
* Elsewhere (aarch64, ...) loads may be reordered by the CPU; :func:`acquire_fence` then calls
  ``atomic_thread_fence(memory_order_acquire)`` from libatomic (a ``dmb ishld`` on aarch64). If
  libatomic is not installed there is no fence: the reader still works on
  x86-64 but on a weakly ordered CPU a torn copy could then in rare cases be accepted;
  :data:`HAVE_FENCE` tells which case applies.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import platform
import time
from typing import Callable, Optional

_ACQUIRE = 2  # memory_order_acquire / __ATOMIC_ACQUIRE
_FUTEX_WAIT = 0  # shared (no FUTEX_PRIVATE_FLAG): the writer is another process
_SYS_FUTEX = {"x86_64": 202, "amd64": 202, "aarch64": 98, "arm64": 98}.get(platform.machine().lower())
_STRONGLY_ORDERED = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686")


def _load_fence() -> Optional[Callable[[], None]]:
    if _STRONGLY_ORDERED:
        return lambda: None
    name = ctypes.util.find_library("atomic")
    if name is None:
        return None
    try:
        fence = ctypes.CDLL(name).atomic_thread_fence
    except (OSError, AttributeError):
        return None
    fence.argtypes = [ctypes.c_int]
    fence.restype = None
    return lambda: fence(_ACQUIRE)


_fence = _load_fence()
HAVE_FENCE: bool = _fence is not None
"""Whether :func:`acquire_fence` orders loads on this CPU (always true on x86-64)."""


def acquire_fence() -> None:
    """Order the loads before this call before the loads after it (see the module docstring)."""
    if _fence is not None:
        _fence()


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


def _load_syscall() -> Optional[Callable[..., int]]:
    if _SYS_FUTEX is None:
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        syscall = libc.syscall
    except (OSError, AttributeError):
        return None
    syscall.restype = ctypes.c_long
    return syscall


_syscall = _load_syscall()
HAVE_FUTEX: bool = _syscall is not None
"""Whether :func:`futex_wait` sleeps in the kernel; otherwise it polls."""

POLL_INTERVAL = 0.0005
"""Seconds between two looks at the futex word when the futex system call is not available."""


def futex_wait(address: int, load: Callable[[], int], expected: int, timeout: float) -> bool:
    """Sleep until the u32 at ``address`` may differ from ``expected``, for at most ``timeout`` s.

    ``load`` reads the same word (used for polling and to tell a wake-up from a timeout). Returns
    True when the word changed (or the wait was woken), False when the timeout passed with the word
    unchanged. Spurious returns are possible; callers look again either way.
    """
    if timeout <= 0:
        return load() != expected
    if _syscall is None:
        deadline = time.monotonic() + timeout
        while load() == expected:
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_INTERVAL)
        return True
    seconds = int(timeout)
    spec = _Timespec(seconds, int((timeout - seconds) * 1e9))
    result = _syscall(
        ctypes.c_long(_SYS_FUTEX),
        ctypes.c_void_p(address),
        ctypes.c_int(_FUTEX_WAIT),
        ctypes.c_uint32(expected),
        ctypes.byref(spec),
        None,
        ctypes.c_int(0),
    )
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err == errno.EAGAIN:
        return True
    if err in (errno.ETIMEDOUT, errno.EINTR):
        return load() != expected
    raise OSError(err, f"futex wait failed: {os.strerror(err)}")
