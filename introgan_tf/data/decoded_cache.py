"""A disk cache of decoded, resized images (LSUN, image folders), so that only the first run pays the decoding.

Decoding millions of JPEG / WebP images takes an hour on two cores; the resized uint8 arrays are small
(12 KiB per 64x64 image).  They are saved once as ``.npz`` under ``$XDG_CACHE_HOME/introgan_tf/decoded/``
(``~/.cache/...``), keyed by a hash of everything the result depends on: the source files' paths, sizes and
modification times, and the settings (categories, image size, resize mode, images per class).  A changed file or
setting is a different key, never a stale result.  ``--nodata_cache`` turns it off; a cache that cannot be
written (read-only home, full disk) is skipped with a warning.
"""

import hashlib
import json
import os
import sys
from typing import Callable, Dict

import numpy as np


def cache_dir() -> str:
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(root, "introgan_tf", "decoded")


def file_signature(paths) -> list:
    """(absolute path, size, modification time) of every file: what the decoded images depend on."""
    signature = []
    for path in paths:
        stat = os.stat(path)
        signature.append([os.path.abspath(path), stat.st_size, stat.st_mtime_ns])
    return signature


def cached_arrays(kind: str, signature, build: Callable[[], Dict[str, np.ndarray]],
                  enabled: bool = True) -> Dict[str, np.ndarray]:
    """``build()``'s arrays, from the cache when ``signature`` (JSON-able) was built before.

    Args:
      kind: a name for the file (``lsun``, ``image_folder``).
      signature: everything the arrays depend on.
      build: computes the dict of arrays.
      enabled: False: always build, never write.
    """
    if not enabled:
        return build()
    key = hashlib.sha256(json.dumps(signature, sort_keys=True).encode()).hexdigest()[:20]
    path = os.path.join(cache_dir(), f"{kind}-{key}.npz")
    if os.path.isfile(path):
        try:
            with np.load(path, allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files}
            print(f"[introgan_tf] {kind}: decoded images from the cache {path}", flush=True)
            return arrays
        except (OSError, ValueError, EOFError):  # a damaged cache file: rebuild it
            pass
    arrays = build()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        partial = path + ".partial.npz"
        np.savez(partial, **arrays)
        os.replace(partial, path)
        print(f"[introgan_tf] {kind}: decoded images cached in {path} (--nodata_cache to skip)", flush=True)
    except OSError as error:
        print(f"[introgan_tf] warning: {kind}: could not write the decode cache {path} ({error})", file=sys.stderr,
              flush=True)
    return arrays
