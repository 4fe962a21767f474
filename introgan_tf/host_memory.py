"""Where host (CPU) memory comes from: TensorFlow's oneDNN pool, or malloc handing large blocks back to the OS.

TensorFlow's oneDNN CPU allocator is a BFC pool that keeps every region it grows.  A class-incremental run
grows its pool and replay each session, so resident memory crept up by about 50-65 MiB per session from
session 2 to 5 on MNIST, and every session's peak sat on top of that (docs/benchmarks.md, "Returning freed
memory to the OS").  ``TF_ONEDNN_USE_SYSTEM_ALLOCATOR=1`` makes those ops allocate through malloc instead;
with glibc's mmap threshold fixed at 8 MiB, every block of 8 MiB or more is its own mapping, returned to the
OS when freed, so the baseline under each session's peak creeps about half as much (at 1 MiB it stops, but the
steps slow down).  The arithmetic is the same, and so are the numbers.

Both settings must be in place before TensorFlow allocates anything: main.py calls ``apply`` before TensorFlow
is imported (a Python caller does the same before its own ``import tensorflow``).
Nothing here imports TensorFlow.
"""

import ctypes
import os

SYSTEM = "system"
TENSORFLOW = "tensorflow"
CHOICES = (SYSTEM, TENSORFLOW)
# TensorFlow's pool stays the default: on the 2-core CPU ``system`` ran IntroGAN's fp32 steps 3-12 % slower, and
# DGR's whole run 28 % slower.
DEFAULT = TENSORFLOW

ONEDNN_SWITCH = "TF_ONEDNN_USE_SYSTEM_ALLOCATOR"
# Blocks from 8 MiB up get their own mapping: the pool and replay tensors, the growth's and the evaluation's
# batches.  Not lower: at 1 MiB every activation of a batch-100 step was mapped and faulted in afresh, and the
# steps ran 18-29 % slower (docs/benchmarks.md, "Returning freed memory to the OS").
MMAP_THRESHOLD_BYTES = 8 << 20

# glibc's mallopt parameters (malloc.h); each also has a MALLOC_*_ environment variable, read at process start.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
GLIBC_VARIABLES = {M_TRIM_THRESHOLD: "MALLOC_TRIM_THRESHOLD_", M_MMAP_THRESHOLD: "MALLOC_MMAP_THRESHOLD_"}
# Every environment variable that decides the host allocator (a user's own value of one wins over ``apply``).
ENVIRONMENT = (ONEDNN_SWITCH, *GLIBC_VARIABLES.values())


_applied = {}  # what apply() set in this process, by variable name (mallopt leaves no trace in the environment)


def _glibc():
    """This process's C library if it is glibc (the only one with these mallopt parameters), else None."""
    try:
        libc = ctypes.CDLL(None)  # the symbols already loaded into the process, the C library's among them
        libc.gnu_get_libc_version  # noqa: B018 -- present in glibc only
        libc.mallopt  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def apply(choice: str) -> dict:
    """Sets up the host allocator ``choice`` for this process; returns what was set, by name.

    ``system``: TensorFlow's oneDNN ops allocate through malloc, and glibc maps blocks of 8 MiB and more on
    their own and trims the heap above 8 MiB.  ``tensorflow``: nothing is changed.  A setting the user already
    made in the environment (``TF_ONEDNN_USE_SYSTEM_ALLOCATOR``, ``MALLOC_MMAP_THRESHOLD_``,
    ``MALLOC_TRIM_THRESHOLD_``) wins over ours.  Where the C library is not glibc, only the oneDNN switch is set.
    """
    if choice not in CHOICES:
        raise ValueError(f"host allocator {choice!r}: expected one of {', '.join(CHOICES)}")
    applied = {}
    if choice == TENSORFLOW:
        return applied
    if ONEDNN_SWITCH not in os.environ:
        os.environ[ONEDNN_SWITCH] = "1"
        applied[ONEDNN_SWITCH] = "1"
    libc = _glibc()
    if libc is None:
        return applied
    for parameter, variable in GLIBC_VARIABLES.items():
        # An explicit MALLOC_*_ variable was applied by glibc at start-up; calling mallopt would override it.
        if variable not in os.environ and libc.mallopt(parameter, MMAP_THRESHOLD_BYTES) == 1:
            applied[variable] = str(MMAP_THRESHOLD_BYTES)
    _applied.update(applied)
    return applied


def in_effect() -> dict:
    """What this process's host memory runs under, for the record beside its peak RSS (results.json's timing)."""
    variable = GLIBC_VARIABLES[M_MMAP_THRESHOLD]
    threshold = os.environ.get(variable, _applied.get(variable))
    return {"onednn_system_allocator": os.environ.get(ONEDNN_SWITCH, "0").strip().lower() in ("1", "true"),
            "mmap_threshold_bytes": int(threshold) if threshold and threshold.isdigit() else None}
