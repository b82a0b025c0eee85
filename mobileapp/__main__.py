"""``python -m mobileapp [--base-url URL] [--data-dir DIR] [--lang zh|en]``: the handset app."""

import os

# Kivy parses sys.argv at import unless told not to; our own argparse owns the command line.
os.environ.setdefault("KIVY_NO_ARGS", "1")

from mobileapp.ui.app import main  # noqa: E402  (after the environment is set)

raise SystemExit(main())
