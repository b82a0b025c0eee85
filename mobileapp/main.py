"""Android entry point of the app (buildozer wants ``main.py`` at the top of ``source.dir``);
``apkboot`` makes this directory the package ``mobileapp``. On the desktop use
``python -m mobileapp``."""

import os

import apkboot

apkboot.as_package(os.path.dirname(os.path.abspath(__file__)))

from mobileapp.ui.app import main  # noqa: E402  (after the package is registered)

main([])
