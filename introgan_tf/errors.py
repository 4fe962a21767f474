"""User-facing errors.

Every problem caused by the user's input (a missing or corrupt file, a bad flag
combination) is raised as :class:`InputError`.  ``main.py`` prints its message
as one line and exits with status 2, so a user never sees a TensorFlow
traceback for a mistake that is theirs to fix.
"""


class InputError(Exception):
    """Bad user input: a file, a directory or a flag. The message is one line."""

    def __init__(self, message: str):
        # Keep the message on one line whatever the caller passed.
        super().__init__(" ".join(str(message).split()))
