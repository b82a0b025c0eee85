"""Android entry point of the background service (buildozer.spec ``services =
Handset:android_service.py:...``): the sender and the patrol track, ``mobileapp.service``.
python-for-android runs it in its own process with the service argument in
``PYTHON_SERVICE_ARGUMENT``."""

import os

import apkboot

apkboot.as_package(os.path.dirname(os.path.abspath(__file__)))

from mobileapp.service import main  # noqa: E402  (after the package is registered)

main()
