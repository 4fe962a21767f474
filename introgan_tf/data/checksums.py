"""Is a user's file the official one?  Byte size always (instant); sha256 when the size is the official one and
the file is below 2 GB, or always with ``--verify_data``.  The values are the ones tensorflow-datasets 4.9.10
records for its builders (``svhn_cropped``, ``cifar10``, ``lsun``).

A mismatch is a warning, never an error: re-encoded or trimmed copies are legitimate.  The verdict is printed
and returned as ``"<file>: official"`` / ``"<file>: not the official file (...)"``, recorded in results.json.
Hashes are cached in ``$XDG_CACHE_HOME/introgan_tf/sha256.json`` keyed by path, size and modification time.
"""

import hashlib
import json
import os
import sys
from typing import Dict, Optional, Tuple

# file name -> (bytes, sha256) of the official release.
OFFICIAL: Dict[str, Tuple[int, str]] = {
    "train_32x32.mat": (182040794, "435e94d69a87fde4fd4d7f3dd208dfc32cb6ae8af2240d066de1df7508d083b8"),
    "test_32x32.mat": (64275384, "cdce80dfb2a2c4c6160906d0bd7c68ec5a99d7ca4831afa54f09182025b6a75b"),
    "extra_32x32.mat": (1329278602, "a133a4beb38a00fcdda90c9489e0c04f900b660ce8a316a5e854838379a71eb3"),
    "cifar-10-binary.tar.gz": (170052171, "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"),
    "bedroom_train_lmdb.zip": (45922737680, "a15644c2e7153106867f0adb3491fc41224102d1f01b24494fb47d9f5d1f174e"),
    "kitchen_train_lmdb.zip": (35791384987, "b1993cf639aece5d207a27eb9ff872bcca9dff6472d8227a052c79d40ee753c4"),
    "church_outdoor_train_lmdb.zip": (2448463466,
                                      "91128ae026840ac0c5982b4445ab5fc4e092d6847cca76793b2b1a0815c2e74a"),
    "tower_train_lmdb.zip": (12010237081, "440caec74c9641cb51fd235a5970c8e4931c3af875aeb044a8bcca956e106309"),
}

HASH_LIMIT = 2 * 1024 ** 3  # larger official-size files are checked by size only, unless --verify_data


def _cache_path() -> str:
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(root, "introgan_tf", "sha256.json")


def sha256_of(path: str) -> str:
    """The file's sha256, from the cache when its path, size and modification time are unchanged."""
    stat = os.stat(path)
    key = f"{os.path.abspath(path)}|{stat.st_size}|{stat.st_mtime_ns}"
    cache_file = _cache_path()
    try:
        with open(cache_file) as handle:
            cache = json.load(handle)
    except (OSError, ValueError):
        cache = {}
    if key in cache:
        return cache[key]
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    cache[key] = digest.hexdigest()
    try:  # a read-only home is no reason to fail a run
        os.makedirs(os.path.dirname(cache_file), exist_ok=True)
        with open(cache_file + ".tmp", "w") as handle:
            json.dump(cache, handle)
        os.replace(cache_file + ".tmp", cache_file)
    except OSError:
        pass
    return cache[key]


def check_official(path: str, verify: bool = False, official: Optional[Tuple[int, str]] = None) -> Optional[str]:
    """The verdict on ``path`` against its official size and sha256, printed; None if it has no official record.

    Args:
      path: the file.
      verify: hash it whatever its size (``--verify_data``).
      official: (bytes, sha256); default: looked up by file name in :data:`OFFICIAL`.
    """
    name = os.path.basename(path)
    official = official or OFFICIAL.get(name)
    if official is None:
        return None
    size, sha = official
    actual = os.path.getsize(path)
    if actual != size:
        verdict = f"{name}: not the official file ({actual:,} bytes, the official one has {size:,}"
        verdict += "; a smaller size usually means a truncated download)" if actual < size else ")"
    elif actual > HASH_LIMIT and not verify:
        verdict = f"{name}: official size (sha256 not checked above 2 GB; --verify_data checks it)"
    elif sha256_of(path) == sha:
        verdict = f"{name}: official"
    else:
        verdict = f"{name}: not the official file (official size, but its sha256 differs)"
    if "not the official" in verdict:
        print(f"[introgan_tf] warning: {verdict}", file=sys.stderr, flush=True)
    else:
        print(f"[introgan_tf] {verdict}", flush=True)
    return verdict
