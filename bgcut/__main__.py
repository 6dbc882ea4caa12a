"""``python -m bgcut SRC -o OUT``: cut out a folder of images (see `bgcut.cli`).

Before anything heavy is imported, missing output streams are made
harmless (`bgcut.streams`) and SIGINT, SIGTERM and SIGHUP are turned into
`bgcut.signals.Stopped`: a stopped run ends its workers, removes its
temporary files and exits with ``128 + signal number``.
"""

import sys

from bgcut import signals, streams


def _main():
    streams.keep_standard_streams()
    try:
        with signals.raising_stop_signals():
            from bgcut.cli import main
            return main()
    except Exception as error:  # Stopped is a KeyboardInterrupt: not caught here
        if signals.received() is None:
            raise
        stop = signals.Stopped(signals.received())  # it surfaced as another error
        stop.__cause__ = error
    except signals.Stopped as raised:
        stop = raised
    print(f"python -m bgcut: {stop}; --skip-existing finishes the rest", file=sys.stderr)
    return stop.exit_status


if __name__ == "__main__":
    sys.exit(_main())
