"""Which pages may open a websocket: the site itself by scheme, host and port, or an origin in
``CSRF_TRUSTED_ORIGINS``; a page on another port of the same host is refused (cookies are not
scoped by port, so it would read a signed-in user's stream)."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from tests.server.realtime.conftest import _token, application

#: (Origin, Host, trusted origins, allowed)
CASES = [
    ("http://127.0.0.1:8000", "127.0.0.1:8000", [], True),
    ("http://127.0.0.1", "127.0.0.1", [], True),
    ("http://127.0.0.1:80", "127.0.0.1", [], True),  # the default port, named or not
    ("http://localhost:8000", "localhost:8000", [], True),
    ("https://localhost", "localhost", [], True),  # behind a TLS proxy: Host has no port
    # Another port of the same host: another service's page.
    ("http://127.0.0.1:9999", "127.0.0.1:8000", [], False),
    ("http://127.0.0.1:8000", "127.0.0.1", [], False),
    ("http://localhost:8001", "localhost:8000", [], False),
    ("https://127.0.0.1", "127.0.0.1:8000", [], False),
    ("http://evil.example", "127.0.0.1:8000", [], False),
    # A host outside ALLOWED_HOSTS is not its own origin (DNS rebinding).
    ("http://evil.example", "evil.example", [], False),
    ("null", "127.0.0.1", [], False),
    ("http://127.0.0.1:99999", "127.0.0.1", [], False),
    (None, "127.0.0.1", [], False),
    # A page of another host, trusted by scheme, host and port.
    ("https://city.example", "127.0.0.1:8000", ["https://city.example"], True),
    ("https://city.example:8443", "127.0.0.1:8000", ["https://city.example"], False),
    ("http://city.example", "127.0.0.1:8000", ["https://city.example"], False),
    ("https://ops.city.example", "127.0.0.1:8000", ["https://*.city.example"], True),
    ("https://ops.city.example:444", "127.0.0.1:8000", ["https://*.city.example"], False),
    ("https://cityxexample", "127.0.0.1:8000", ["https://*.city.example"], False),
]


@pytest.mark.parametrize("origin,host,trusted,allowed", CASES)
def test_origin_scheme_host_and_port(cast, settings, origin, host, trusted, allowed):
    settings.CSRF_TRUSTED_ORIGINS = trusted

    async def scenario():
        token = await database_sync_to_async(_token)("dispatcher")
        headers = [(b"host", host.encode())]
        if origin is not None:
            headers.append((b"origin", origin.encode()))
        comm = WebsocketCommunicator(application(), f"/ws/events/?token={token}",
                                     headers=headers)
        connected, _ = await comm.connect(timeout=5)
        if connected:
            assert (await comm.receive_json_from())["type"] == "hello"
            await comm.disconnect()
        return connected

    assert async_to_sync(scenario)() is allowed
