"""``python -m bgcut SRC -o OUT``: cut out a folder of images (see `bgcut.cli`)."""

import sys

from bgcut.cli import main

if __name__ == "__main__":
    sys.exit(main())
