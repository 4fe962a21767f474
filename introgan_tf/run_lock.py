"""One run per result directory: an exclusive ``fcntl.flock`` on ``<result_dir>/run.lock``, held for the run.

Two runs writing into one directory would mix their checkpoints and results.json.  The lock is taken before
anything is read or written there; a second run (training, ``--resume`` or ``--test``) ends at once with one
line naming the directory and the pid of the run that holds it.  The kernel drops a flock when its process
ends, however it ends (SIGKILL included), so the lock file a killed run leaves behind never blocks
``--resume``.  The file is never deleted (deleting it would let a third run lock a different file of the same
name); it only holds the pid of the last run that took it.  flock may not work across machines on a network
file system (NFS): there, run one process per directory yourself.
"""

import errno
import fcntl
import os
from typing import Optional

from introgan_tf.errors import InputError, StorageError, os_error_text

LOCK_FILE = "run.lock"


class RunLock:
    """``with RunLock(result_dir):`` -- the exclusive lock of one run (re-entrant within a process: no).

    Raises (on entry):
      InputError: another process holds the lock (names the directory and its pid).
      StorageError: the directory or the lock file cannot be created.
    """

    def __init__(self, result_dir: str):
        self.result_dir = result_dir
        self.path = os.path.join(result_dir, LOCK_FILE)
        self.fd: Optional[int] = None

    def holder(self) -> str:
        """The pid written by the run holding the lock ('unknown' while it is still writing it)."""
        try:
            with open(self.path) as handle:
                return handle.read().strip() or "unknown"
        except OSError:
            return "unknown"

    def acquire(self) -> "RunLock":
        try:
            os.makedirs(self.result_dir, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise StorageError(f"cannot create the run lock {self.path}: {os_error_text(error)}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            os.close(fd)
            if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise StorageError(f"cannot lock {self.path}: {os_error_text(error)}") from None
            raise InputError(f"--result_dir {self.result_dir} is in use by another run (pid {self.holder()}, "
                             f"lock {self.path}); wait for it to end or choose another --result_dir") from None
        try:  # the pid, for the message of a second run; a failure here does not matter to the lock
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError:
            pass
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> "RunLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
