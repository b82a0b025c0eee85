"""Shared test set-up: the settings need DCM_EMBEDDED when no SECRET_KEY is given."""

import os

os.environ.setdefault("DCM_EMBEDDED", "1")


def pytest_configure(config):
    # PBKDF2 is slow on purpose; tests create many users. Production keeps the default.
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
