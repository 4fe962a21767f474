"""--host_allocator: what it sets, that the user's own settings win, and that freed blocks really go back."""

import json
import os
import subprocess
import sys

import pytest

from introgan_tf import host_memory

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A child process: frees one 12 MiB block first, so that glibc's dynamic threshold rises above 12 MiB (its default
# behaviour), then frees 8 blocks of 12 MiB below a small live block that pins the top of the heap.  With the
# threshold fixed at 8 MiB each block is its own mapping and goes back to the OS; without, they stay resident.
CHILD = r"""
import ctypes, json, os, sys
import numpy as np
from introgan_tf import host_memory
applied = host_memory.apply(sys.argv[1])
page = os.sysconf("SC_PAGE_SIZE")
def rss_mb():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * page / 2**20
first = np.ones(12 << 20, np.uint8)
del first
blocks = [np.ones(12 << 20, np.uint8) for _ in range(8)]
pin = ctypes.create_string_buffer(64 << 10)
held = rss_mb()
del blocks
print(json.dumps({"applied": applied, "returned_mb": held - rss_mb()}))
"""


class FakeGlibc:
    """Records mallopt calls, so that the tests in this process leave pytest's own allocator alone."""

    def __init__(self):
        self.calls = []

    def mallopt(self, parameter, value):
        self.calls.append((parameter, value))
        return 1


@pytest.fixture
def glibc(monkeypatch):
    for name in host_memory.ENVIRONMENT:  # set, then delete: monkeypatch restores each, whatever apply() writes
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    fake = FakeGlibc()
    monkeypatch.setattr(host_memory, "_glibc", lambda: fake)
    monkeypatch.setattr(host_memory, "_applied", {})
    return fake


def run_child(choice):
    env = {k: v for k, v in os.environ.items() if k not in host_memory.ENVIRONMENT}
    env["PYTHONPATH"] = REPO
    done = subprocess.run([sys.executable, "-c", CHILD, choice], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_tensorflow_choice_changes_nothing(glibc):
    assert host_memory.apply(host_memory.TENSORFLOW) == {}
    assert host_memory.ONEDNN_SWITCH not in os.environ and glibc.calls == []
    assert host_memory.in_effect() == {"onednn_system_allocator": False, "mmap_threshold_bytes": None}


def test_system_choice_switches_onednn_to_malloc_and_fixes_both_thresholds(glibc):
    applied = host_memory.apply(host_memory.SYSTEM)
    assert os.environ[host_memory.ONEDNN_SWITCH] == "1"
    assert applied == {host_memory.ONEDNN_SWITCH: "1", "MALLOC_TRIM_THRESHOLD_": "8388608",
                       "MALLOC_MMAP_THRESHOLD_": "8388608"}
    assert sorted(glibc.calls) == [(host_memory.M_MMAP_THRESHOLD, 8 << 20), (host_memory.M_TRIM_THRESHOLD, 8 << 20)]
    assert host_memory.in_effect() == {"onednn_system_allocator": True, "mmap_threshold_bytes": 8 << 20}


def test_the_users_own_settings_win(monkeypatch, glibc):
    monkeypatch.setenv(host_memory.ONEDNN_SWITCH, "0")
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "4194304")
    applied = host_memory.apply(host_memory.SYSTEM)
    assert os.environ[host_memory.ONEDNN_SWITCH] == "0"
    assert applied == {"MALLOC_TRIM_THRESHOLD_": "8388608"}
    assert glibc.calls == [(host_memory.M_TRIM_THRESHOLD, 8 << 20)]
    assert host_memory.in_effect() == {"onednn_system_allocator": False, "mmap_threshold_bytes": 4 << 20}


def test_unknown_choice_is_refused():
    with pytest.raises(ValueError, match="expected one of system, tensorflow"):
        host_memory.apply("jemalloc")


@pytest.mark.skipif(host_memory._glibc() is None, reason="mallopt's thresholds exist in glibc only")
def test_freed_large_blocks_go_back_to_the_os_only_with_the_system_choice():
    system, tensorflow = run_child(host_memory.SYSTEM), run_child(host_memory.TENSORFLOW)
    assert system["applied"] == {host_memory.ONEDNN_SWITCH: "1", "MALLOC_MMAP_THRESHOLD_": "8388608",
                                 "MALLOC_TRIM_THRESHOLD_": "8388608"}
    assert system["returned_mb"] > 80, system  # 8 x 12 MiB were freed
    assert tensorflow["returned_mb"] < 20, tensorflow
