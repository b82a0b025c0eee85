"""The few Android facts the platform classes share, through pyjnius (no Kivy import).

Everything Java is looked up when called, never at import, so this module imports on the
desktop, and tests can put fakes of ``jnius`` / ``android`` in ``sys.modules``.

``on_android()`` is python-for-android's own signal: its launcher sets ``ANDROID_ARGUMENT`` in
both the app's process and a service's; a service also has ``PYTHON_SERVICE_ARGUMENT``.
"""

from __future__ import annotations

import os

ACTIVITY = "org.kivy.android.PythonActivity"
SERVICE = "org.kivy.android.PythonService"


def on_android() -> bool:
    return "ANDROID_ARGUMENT" in os.environ


def in_service() -> bool:
    """True in a python-for-android service process (no activity there)."""
    return "PYTHON_SERVICE_ARGUMENT" in os.environ


def autoclass(name: str):
    from jnius import autoclass as jnius_autoclass

    return jnius_autoclass(name)


def cast(name: str, obj):
    from jnius import cast as jnius_cast

    return jnius_cast(name, obj)


def sdk_int() -> int:
    """The phone's API level (24 = Android 7.0, 29 = 10, 33 = 13, 34 = 14)."""
    return int(autoclass("android.os.Build$VERSION").SDK_INT)


def activity():
    """The app's activity (a Context); None in a service process."""
    return autoclass(ACTIVITY).mActivity


def context():
    """A Context: the activity in the app, the service in a service process."""
    return autoclass(SERVICE).mService if in_service() else activity()


def package_name() -> str:
    return str(context().getPackageName())


def open_app_settings() -> bool:
    """Open this app's page in the system settings (where a refused permission is turned on
    again); False when that failed (the caller then names the path in words)."""
    try:
        Intent = autoclass("android.content.Intent")
        Settings = autoclass("android.provider.Settings")
        Uri = autoclass("android.net.Uri")
        intent = Intent(Settings.ACTION_APPLICATION_DETAILS_SETTINGS,
                        Uri.fromParts("package", package_name(), None))
        intent.addFlags(Intent.FLAG_ACTIVITY_NEW_TASK)
        activity().startActivity(intent)
        return True
    except Exception:  # a ROM without that settings page: the message says where to go
        return False
