"""The ASGI application: HTTP through Django, websockets through Channels.

Websocket clients authenticate with the session cookie (pages) or ``?token=`` (handsets and
scripts); see ``server.realtime.auth``.
"""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()
if settings.REQUEST_THREADS:
    from server.request_threads import RequestThreads

    django_asgi_app = RequestThreads(django_asgi_app, settings.REQUEST_THREADS)

from server.body_limit import BodyLimit  # noqa: E402
from server.realtime.auth import TokenOrSessionAuthMiddleware  # noqa: E402
from server.realtime.hub import keep_server_send  # noqa: E402
from server.realtime.origin import SameOriginValidator  # noqa: E402
from server.realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # BodyLimit: bodies over MAX_REQUEST_BYTES are refused while they are read, before
        # Django reads them whole (body_limit.py).
        "http": BodyLimit(django_asgi_app),
        # keep_server_send: the hub sends live events past the session wrapper (hub.py).
        # SameOriginValidator: the page's scheme, host and port (origin.py), not the host alone.
        "websocket": keep_server_send(SameOriginValidator(
            TokenOrSessionAuthMiddleware(URLRouter(websocket_urlpatterns))
        )),
    }
)

# The embedded default (`make run`): the timer worker inside this one server process, whose
# in-memory channel layer a worker of its own could not reach (server/cases/timers.py).
if os.environ.get("DCM_TIMERS_IN_SERVER") == "1":
    from server.cases.timers import in_server  # noqa: E402

    application = in_server(application)

# Everything imported so far lives as long as the worker: keep it out of the collector's full
# passes, which otherwise walk it all (~100-200 ms with Django, DRF and GDAL loaded) and stall
# every socket of the worker meanwhile (bench/fanout.py). Objects made later are collected as
# usual.
gc.freeze()
