"""The one exception type that reaches a user as a single clear line."""


class PlatformError(Exception):
    """A problem the user can fix (bad input, wrong config, missing service).

    The CLI prints its message as one line and exits non-zero, without a traceback.
    """
