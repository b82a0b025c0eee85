"""Inside the APK: make this directory importable as the package ``mobileapp``.

buildozer puts the contents of ``mobileapp/`` at the top of the app's directory and starts
``main.py`` (the app) or ``android_service.py`` (the service) with that directory first on
``sys.path``. So ``mobileapp`` is not importable and, worse, our ``platform/`` would shadow the
standard library's ``platform`` module. ``as_package(here)`` takes the directory off
``sys.path`` and registers it as the package ``mobileapp`` instead. Only the standard library
is imported here (before the fix, anything else could pick up the wrong ``platform``).
"""

import importlib.util
import os
import sys


def as_package(here: str) -> None:
    here = os.path.abspath(here)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    if "mobileapp" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "mobileapp", os.path.join(here, "__init__.py"), submodule_search_locations=[here])
        module = importlib.util.module_from_spec(spec)
        sys.modules["mobileapp"] = module
        spec.loader.exec_module(module)
