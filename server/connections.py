"""Give a request's database connections back at the end of the request, in its own thread.

Django does it on ``request_finished``, which its ASGI handler sends from the event loop side.
When a client hangs up mid-request (a handset on a weak network) and the view then runs longer
than daphne's application close timeout, daphne kills the request task and that signal never
comes: the view's thread finishes, and the connection it held is neither closed nor, with the
connection pool (settings: DB_POOL), returned to the pool. A few of those and every request of
the worker waits for a connection that never comes back. This middleware runs in the view's
thread, whatever happens to the task, and releases the connections there.

Streaming responses (photos, exports) may still read the database while they are sent: they
keep the connection until ``request_finished`` as before. A connection inside an atomic block
(a test's transaction) is left alone.
"""

from __future__ import annotations

from django.db import connections


class ReleaseConnectionsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = None
        try:
            response = self.get_response(request)
            return response
        finally:
            if response is None or not response.streaming:
                for conn in connections.all(initialized_only=True):
                    if not conn.in_atomic_block:
                        conn.close_if_unusable_or_obsolete()
