"""Settings for pytest: the server's own, in embedded mode (no SECRET_KEY needed) and with a
fast password hasher (tests create many users; production keeps PBKDF2)."""

import os

os.environ.setdefault("DCM_EMBEDDED", "1")

from server.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
