"""Android entry point (buildozer wants ``main.py`` at the top of ``source.dir``).

In the APK this directory's contents sit at the top level, so ``mobileapp`` is not importable
and, worse, our ``platform/`` would shadow the standard library's ``platform`` module. So: take
this directory off ``sys.path`` and register it as the package ``mobileapp`` instead.
On the desktop use ``python -m mobileapp``.
"""

import importlib.util
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
if "mobileapp" not in sys.modules:
    spec = importlib.util.spec_from_file_location(
        "mobileapp", os.path.join(here, "__init__.py"), submodule_search_locations=[here])
    module = importlib.util.module_from_spec(spec)
    sys.modules["mobileapp"] = module
    spec.loader.exec_module(module)

from mobileapp.ui.app import main  # noqa: E402

main([])
