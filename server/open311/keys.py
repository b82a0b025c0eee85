"""API keys: made, hashed, checked.

A key is shown once when made and stored as SHA-256 (keys are long random strings, so a plain
hash is enough; a leaked table leaks no key). A demo key (the README publishes it) is accepted
only in the embedded demo or with DEBUG on, so a production deployment that ran the data
migration cannot be entered with it.
"""

from __future__ import annotations

import hashlib
import os
import secrets

from django.conf import settings

DEMO_OPEN311_KEY = "demo-open311-key"
DEMO_CAMERA_KEY = "demo-camera-key"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return secrets.token_urlsafe(24)


def demo_keys_allowed() -> bool:
    override = getattr(settings, "DEMO_API_KEYS_ALLOWED", None)
    if override is not None:
        return bool(override)
    embedded = os.environ.get("DCM_EMBEDDED", "").strip().lower() in {"1", "true", "yes", "on"}
    return bool(settings.DEBUG or embedded)


def holder_of(model, key: str | None):
    """The active ``model`` row (Open311Client, CameraPlatform) holding ``key``, else None."""
    if not key:
        return None
    holder = model.objects.filter(key_hash=hash_key(key), active=True).first()
    if holder is not None and holder.is_demo and not demo_keys_allowed():
        return None
    return holder
