"""User-facing errors.

Every problem caused by the user's input (a missing or corrupt file, a bad flag
combination, a result directory another run is using) is raised as
:class:`InputError`.  A run that cannot go on for a reason that is not the
input -- a non-finite loss, a full disk or another OS error while writing --
raises a :class:`RunError` subclass.  ``main.py`` prints the message as one
line and exits with the error's ``exit_code``, so a user never sees a
TensorFlow traceback for something a traceback would not help with.

Exit codes: 2 bad input, 3 non-finite loss (:class:`NonFiniteError`), 4 a write
failed (:class:`StorageError`).  docs/faults.md lists the faults and what each
one costs.
"""

import re


def _one_line(message) -> str:
    return " ".join(str(message).split())


class InputError(Exception):
    """Bad user input: a file, a directory or a flag. The message is one line."""

    exit_code = 2

    def __init__(self, message: str):
        # Keep the message on one line whatever the caller passed.
        super().__init__(_one_line(message))


class RunError(Exception):
    """A run stopped by what happened to it (not by its input). The message is one line."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(_one_line(message))


class NonFiniteError(RunError):
    """A loss (or a weight about to be checkpointed) was NaN or infinite under ``--nan_policy stop``."""

    exit_code = 3


class StorageError(RunError):
    """Writing a file failed (disk full, permissions, a read-only file system, ...); names the path."""

    exit_code = 4


def os_error_text(error: BaseException) -> str:
    """The reason of an OSError or a TensorFlow I/O error, on one line, without TensorFlow's decorations.

    TensorFlow's write errors read ``{{function_node ...}} PATH; REASON [Op:SaveV2]``: the reason is kept (the
    caller names the path), e.g. "No space left on device".
    """
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    text = getattr(error, "message", None) or str(error) or type(error).__name__
    text = _one_line(re.sub(r"\s*\[Op:[^\]]*\]", "", re.sub(r"\{\{[^}]*\}\}", "", str(text))))
    match = re.fullmatch(r"\S+; ([^;]+)", text)
    return match.group(1) if match else text
