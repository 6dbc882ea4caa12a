"""Output channels that may be missing: a closed, full or abandoned stdout or stderr.

The progress bar and the messages of a run are extras; the files and the
exit status are the job. A stream that fails (closed with ``2>&-``, a full
device such as ``/dev/full``, a pipe whose reader went away, a terminal
that was closed) is dropped quietly and the run goes on.

This module imports only the standard library (see `bgcut.signals`).
"""

import os
import sys


class Forgiving:
    """A text stream that swallows its own failures.

    Parameters
    ----------
    stream : text stream or None
        None (Python's value for a stream that was closed at start-up)
        writes nothing.
    fd : int, optional
        The file descriptor behind `stream`. When given, a failure points
        it at ``os.devnull``, so that the text the stream still buffers is
        flushed somewhere and the interpreter's last flush cannot fail (a
        failed last flush of stdout would turn the exit status into 120).
    """

    def __init__(self, stream, *, fd=None):
        self._stream, self._fd = stream, fd

    def write(self, text):
        if self._stream is not None:
            try:
                self._stream.write(text)
            except (OSError, ValueError):
                self._drop()
        return len(text)

    def flush(self):
        if self._stream is not None:
            try:
                self._stream.flush()
            except (OSError, ValueError):
                self._drop()

    def isatty(self):
        try:
            return self._stream is not None and self._stream.isatty()
        except (OSError, ValueError):
            return False

    def fileno(self):
        if self._stream is None:
            raise OSError("the stream is closed")
        return self._stream.fileno()

    @property
    def closed(self):
        return self._stream is None

    @property
    def encoding(self):
        return getattr(self._stream, "encoding", None) or "utf-8"

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def _drop(self):
        """Stop writing to the stream; with an fd, let it drain into the null device."""
        stream, self._stream = self._stream, None
        if self._fd is None:
            return
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self._fd)
            os.close(null)
            stream.flush()
        except (OSError, ValueError):
            pass


def keep_standard_streams():
    """Make this process indifferent to missing or failing standard streams.

    A standard descriptor (0, 1 or 2) that is closed is opened on
    ``os.devnull``: otherwise the next file this process (or a worker it
    starts) opens would get that number, and a message meant for stderr
    would land in an output file. ``sys.stdout`` and ``sys.stderr`` then
    become `Forgiving`.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    for name, fd in (("stdout", 1), ("stderr", 2)):
        stream = getattr(sys, name)
        if not isinstance(stream, Forgiving):
            setattr(sys, name, Forgiving(stream, fd=fd if _fd_of(stream) == fd else None))


def _fd_of(stream):
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None


def forgiving(stream):
    """`stream` as a `Forgiving` stream (itself if it is one already); None stays None."""
    if stream is None or isinstance(stream, Forgiving):
        return stream
    return Forgiving(stream)
