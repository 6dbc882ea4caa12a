"""``python -m bgcut SRC -o OUT``: cut out a folder of images (see `bgcut.cli`).

Before anything heavy is imported, missing output streams are made
harmless (`bgcut._streams`) and SIGINT, SIGTERM and SIGHUP are turned into
`bgcut._signals.Stopped`: a stopped run ends its workers, removes its
temporary files and exits with ``128 + signal number``.
"""

import sys

from bgcut import _signals, _streams


def _main():
    _streams.keep_standard_streams()
    try:
        with _signals.raising_stop_signals():
            from bgcut.cli import main
            return main()
    except Exception as error:  # Stopped is a KeyboardInterrupt: not caught here
        if _signals.received() is None:
            raise
        stop = _signals.Stopped(_signals.received())  # it surfaced as another error
        stop.__cause__ = error
    except _signals.Stopped as raised:
        stop = raised
    print(f"python -m bgcut: {stop}; --skip-existing finishes the rest", file=sys.stderr)
    return stop.exit_status


if __name__ == "__main__":
    sys.exit(_main())
