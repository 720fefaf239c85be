"""The one exception type that reaches the user as a one-line message."""


class LiccError(Exception):
    """A user-facing error: the message names the problem and the fix.

    Command-line tools print it as ``<tool>: error: <message>`` and exit with
    code 2, without a traceback.
    """
