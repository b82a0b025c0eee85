"""The city's time zone (城市时区) on every page: a request is answered in the active city's time zone.

Deadlines, working hours and evaluation periods already follow the active map version's time
zone (``index.active_zone``). This middleware makes what Django renders follow it too: times in
templates, exports and messages (``timezone.localtime``, ``{{ when }}``), so a city in another
time zone does not read Beijing's times on its own pages. ``settings.TIME_ZONE`` stays the
default when no map is active."""

from __future__ import annotations

from django.db import DatabaseError
from django.utils import timezone

from server.maps.index import active_zone


#: Paths answered on the server's clock without asking the database which city is active: the
#: health probes, which a load balancer asks every few seconds and which must answer (with no
#: query at all) while the database is down.
SERVER_CLOCK_PATHS = ("/api/health/",)


class CityTimeZoneMiddleware:
    """Activates the active city's time zone for the request; answers as before."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(SERVER_CLOCK_PATHS):
            return self.get_response(request)
        try:
            timezone.activate(active_zone())
        except DatabaseError:
            # The database is down: the page that says so (health, a 503) still renders, on
            # the server's own clock.
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
