"""Keep secrets out of logs. The websockets library logs the request line at DEBUG
(``GET /ws/events/?token=… HTTP/1.1``) and Kivy's logger lets every library's DEBUG records
through to the app's log (logcat on Android): that is how the sign-in token reached the log.

``install()`` puts ``RedactingFilter`` on the given handlers (the app: every handler of the
root logger and of Kivy's), and quietens the HTTP and websocket libraries to WARNING.
``redact(text)`` is the rule: the value of ``token=``, ``password=``, an ``Authorization``
header's credentials and a JSON ``"token"``/``"password"`` are replaced by ``***``.
"""

from __future__ import annotations

import logging
import re

MASK = "***"
PATTERNS = (
    re.compile(r"((?:token|password|access_token|key)=)[^&\s'\"]+", re.I),
    re.compile(r"((?:Authorization|Sec-WebSocket-Protocol)\s*[:=]\s*['\"]?(?:Token|Bearer)?\s*)"
               r"[A-Za-z0-9._~+/=-]+", re.I),
    re.compile(r"(['\"](?:token|password)['\"]\s*:\s*['\"])[^'\"]*", re.I),
)
NOISY = ("websockets", "websockets.client", "httpx", "httpcore", "urllib3")


def redact(text: str) -> str:
    for pattern in PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record's final message through ``redact`` (arguments included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler's error path
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def install(handlers: list[logging.Handler] | None = None) -> RedactingFilter:
    """Filter ``handlers`` (default: the root logger's) and set the noisy libraries to
    WARNING. Safe to call more than once."""
    flt = RedactingFilter()
    for handler in handlers if handlers is not None else logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(flt)
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    return flt
