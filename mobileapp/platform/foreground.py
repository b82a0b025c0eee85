"""The service's persistent notification and its partial wake lock (Android, through pyjnius).

The service is declared without python-for-android's ``:foreground`` option: that one calls
``startForeground`` with every type in the manifest (``location|dataSync``) before Python runs,
and Android 14 throws a SecurityException for the location type when location is not granted.
Here the service calls ``Foreground.show`` itself, with ``dataSync`` always and ``location``
only while a patrol track is recorded (and location is held), in its own notification channel
(IMPORTANCE_LOW: shown, silent; p4a's channel is IMPORTANCE_NONE, i.e. hidden).

``show`` returns False, with ``error`` set, when Android refused (Android 12+ refuses a
foreground start from the background, e.g. after a sticky restart): the service then runs on
as a background service until the app is opened again.
"""

from __future__ import annotations

from mobileapp.platform.android import ACTIVITY, autoclass, context, sdk_int

CHANNEL_ID = "dcm.handset.service"
NOTIFICATION_ID = 1            # p4a's id of the first service: one notification, replaced
TYPE_DATA_SYNC = 1             # android.content.pm.ServiceInfo.FOREGROUND_SERVICE_TYPE_DATA_SYNC
TYPE_LOCATION = 8              # ...FOREGROUND_SERVICE_TYPE_LOCATION
WAKE_TIMEOUT_MS = 10 * 60 * 1000  # a held lock lapses by itself if the service dies silently


def _text(s: str):
    """A java.lang.String (CharSequence arguments), as plyer's notification makes them."""
    return autoclass("java.lang.String")(s.encode("utf-8"))  # Android's charset is UTF-8


class Foreground:
    def __init__(self, channel_name: str):
        self.channel_name = channel_name
        self.error: str | None = None
        self.types: int | None = None  # the types of the last accepted startForeground

    def _notification(self, title: str, text: str):
        ctx = context()
        Context = autoclass("android.content.Context")
        Intent = autoclass("android.content.Intent")
        PendingIntent = autoclass("android.app.PendingIntent")
        Builder = autoclass("android.app.Notification$Builder")
        sdk = sdk_int()
        if sdk >= 26:
            Channel = autoclass("android.app.NotificationChannel")
            Manager = autoclass("android.app.NotificationManager")
            channel = Channel(CHANNEL_ID, _text(self.channel_name), Manager.IMPORTANCE_LOW)
            ctx.getSystemService(Context.NOTIFICATION_SERVICE).createNotificationChannel(channel)
            builder = Builder(ctx, CHANNEL_ID)
        else:
            builder = Builder(ctx)
        # A tap on the notification opens the app.
        activity_class = autoclass("java.lang.Class").forName(ACTIVITY)
        intent = Intent(ctx, activity_class)
        flags = PendingIntent.FLAG_UPDATE_CURRENT | PendingIntent.FLAG_IMMUTABLE
        builder.setContentIntent(PendingIntent.getActivity(ctx, 0, intent, flags))
        builder.setContentTitle(_text(title))
        builder.setContentText(_text(text))
        builder.setSmallIcon(ctx.getApplicationInfo().icon)
        builder.setOngoing(True)
        builder.setOnlyAlertOnce(True)
        return builder.build()

    def show(self, title: str, text: str, *, location: bool) -> bool:
        """Start (or update) the foreground state with this notification; ``location`` adds
        the location type (only with location permission held: the caller checks)."""
        service = autoclass("org.kivy.android.PythonService").mService
        types = TYPE_DATA_SYNC | (TYPE_LOCATION if location else 0)
        try:
            notification = self._notification(title, text)
            if sdk_int() >= 29:
                service.startForeground(NOTIFICATION_ID, notification, types)
            else:
                service.startForeground(NOTIFICATION_ID, notification)
        except Exception as exc:  # ForegroundServiceStartNotAllowedException, SecurityException
            self.error = f"{type(exc).__name__}: {exc}"
            return False
        self.error, self.types = None, types
        return True

    def stop(self) -> None:
        service = autoclass("org.kivy.android.PythonService").mService
        service.stopForeground(True)
        self.types = None


class WakeLock:
    """A partial wake lock (CPU on, screen off), held while items wait to be sent: without it
    the sender's retry timers sleep with the CPU."""

    def __init__(self, tag: str = "dcm:sender"):
        Context = autoclass("android.content.Context")
        PowerManager = autoclass("android.os.PowerManager")
        pm = context().getSystemService(Context.POWER_SERVICE)
        self.lock = pm.newWakeLock(PowerManager.PARTIAL_WAKE_LOCK, tag)
        self.lock.setReferenceCounted(False)
        self.held = False

    def hold(self, on: bool) -> None:
        """On: (re)acquire for ``WAKE_TIMEOUT_MS`` (call again to extend); off: release."""
        if on:
            self.lock.acquire(WAKE_TIMEOUT_MS)
            self.held = True
        elif self.held:
            if self.lock.isHeld():
                self.lock.release()
            self.held = False
