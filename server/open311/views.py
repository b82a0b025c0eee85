"""GeoReport v2 endpoints under ``/open311/v2/``, each in ``.json`` and ``.xml``.

discovery, services, services/<code>, requests (GET, POST), requests/<id>, tokens/<token>,
servicerequestupdates (GET, POST; mySociety's extension). Reads need no key; POSTs need an
``api_key`` (403 without a valid one). ``jurisdiction_id`` is optional (one jurisdiction); a
different one is 404. Every error is the spec's list of {code, description}, in the format
asked for (XML when the format itself is wrong). Rate-limited and logged (``external``).

The two lists (GET requests, GET servicerequestupdates) come in pages (``queries``); when an
older page follows, the answer carries ``Link: <...&page=N+1>; rel="next"`` (RFC 8288), whose
URL pins the window the first page was cut from.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from gridmaps.classification import classification_version
from server.open311 import intake, queries, services
from server.open311.schema import (API_KEY, PAGING, REQUEST_FORM, REQUESTS_QUERY, UPDATE_FORM,
                                   WINDOW, read, write)
from server.open311.external import LoggedRequestMixin, Open311WriteThrottle, PublicReadThrottle
from server.open311.formats import FORMATS, Open311Error, error_response, render
from server.open311.keys import holder_of
from server.open311.models import Open311Client, ServiceRequest

log = logging.getLogger(__name__)
SPEC = "http://wiki.open311.org/GeoReport_v2"


def jurisdiction_id() -> str:
    return getattr(settings, "OPEN311_JURISDICTION_ID", "dcm.local")


class Open311View(LoggedRequestMixin, APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    parser_classes = (FormParser, MultiPartParser)
    throttle_classes = (PublicReadThrottle, Open311WriteThrottle)
    fmt = "xml"

    def initial(self, request, *args, **kwargs):
        self.fmt = kwargs.get("fmt", "xml")
        super().initial(request, *args, **kwargs)
        if self.fmt not in FORMATS:
            raise Open311Error(404, f"format .{self.fmt} is not offered: use .xml or .json")
        given = (request.query_params.get("jurisdiction_id")
                 or (request.data.get("jurisdiction_id") if request.method == "POST" else ""))
        if given and given != jurisdiction_id():
            raise Open311Error(404, f"jurisdiction_id {given!r} was not found "
                                    f"(this endpoint serves {jurisdiction_id()})")

    def client(self, request) -> Open311Client:
        """The client whose api_key came with the request; Open311Error(403) otherwise."""
        key = (request.data.get("api_key") if request.method == "POST" else None) \
            or request.query_params.get("api_key")
        if not key:
            raise Open311Error(403, "api_key is required: ask the supervision center for one")
        found = holder_of(Open311Client, key)
        if found is None:
            raise Open311Error(403, "api_key is not valid")
        self.client_name = found.name
        return found

    def handle_exception(self, exc):
        if isinstance(exc, Open311Error):
            return error_response(exc, self.fmt)
        if isinstance(exc, exceptions.Throttled):
            response = error_response(Open311Error(
                429, f"too many requests: try again in {int(exc.wait or 1)} s"), self.fmt)
            response["Retry-After"] = str(int(exc.wait or 1))
            return response
        if isinstance(exc, exceptions.MethodNotAllowed):
            return error_response(Open311Error(405, f"{exc.detail}"), self.fmt)
        if isinstance(exc, (exceptions.UnsupportedMediaType, exceptions.ParseError)):
            return error_response(Open311Error(
                400, "send the parameters form-encoded (application/x-www-form-urlencoded)"),
                self.fmt)
        if isinstance(exc, (Http404, exceptions.NotFound)):
            return error_response(Open311Error(404, "not found"), self.fmt)
        log.exception("open311: unexpected error")
        return error_response(Open311Error(500, "general service error: the server failed; "
                                                "please tell the supervision center"), self.fmt)


class DiscoveryView(Open311View):
    @read("Discovery: the endpoint, its formats and contact")
    def get(self, request, fmt):
        changeset = f"{classification_version()}"
        base = request.build_absolute_uri("/open311/v2")
        return render({
            "changeset": changeset,
            "contact": getattr(
                settings, "OPEN311_CONTACT",
                "数字城管监督中心 Supervision center of the digital urban management"),
            "key_service": getattr(
                settings, "OPEN311_KEY_SERVICE",
                "api_key 由监督中心发放 Ask the supervision center for an api_key"),
            "endpoints": [{"specification": SPEC, "url": base, "changeset": changeset,
                           "type": "production", "formats": ["text/xml", "application/json"]}],
        }, self.fmt, "discovery")


class ServiceListView(Open311View):
    @read("Services: the classification's minor classes")
    def get(self, request, fmt):
        return render(services.service_list(), self.fmt, "services")


class ServiceDefinitionView(Open311View):
    @read("A service's definition (its attributes)",
          OpenApiParameter("service_code", str, OpenApiParameter.PATH))
    def get(self, request, service_code, fmt):
        found = services.definition(service_code)
        if found is None:
            raise Open311Error(404, f"service_code {service_code!r} was not found")
        return render(found, self.fmt, "service_definition")


def paged(request, page: queries.Page, fmt: str, root: str):
    """``page`` rendered, with a ``Link`` to the next (older) page when there is one."""
    response = render(page.rows, fmt, root)
    if page.more:
        params = request.query_params.copy()
        params["page"] = str(page.number + 1)
        # To the microsecond: a window cut to whole seconds would drop the newest rows.
        params["start_date"], params["end_date"] = (timezone.localtime(page.start).isoformat(),
                                                     timezone.localtime(page.end).isoformat())
        response["Link"] = f'<{request.build_absolute_uri(request.path)}?' \
                           f'{params.urlencode()}>; rel="next"'
    return response


class RequestsView(Open311View):
    @read("Service requests (public cases), newest first", *REQUESTS_QUERY)
    def get(self, request, fmt):
        return paged(request, queries.find_requests(request.query_params), self.fmt,
                     "service_requests")

    @write("Post a service request (a report of channel open311)", REQUEST_FORM)
    def post(self, request, fmt):
        client = self.client(request)
        sr = intake.post_request(client, request.data)
        first = {"token": sr.token} if _batch() else {"service_request_id": sr.case.number}
        first["service_notice"] = ("已收到，监督员现场核实后立案 Received: a field supervisor "
                                   "verifies it on site before it is filed")
        first["account_id"] = sr.account_id or None
        return render([first], self.fmt, "service_requests")


def _batch() -> bool:
    """Answer POSTs with a token (type batch) instead of the id (realtime, the default)."""
    return getattr(settings, "OPEN311_SERVICE_TYPE", "realtime") == "batch"


class RequestView(Open311View):
    @read("One service request",
          OpenApiParameter("service_request_id", str, OpenApiParameter.PATH))
    def get(self, request, service_request_id, fmt):
        case = queries.cases().filter(number=service_request_id).first()
        if case is None:
            raise Open311Error(404, f"service_request_id {service_request_id!r} was not found")
        return render([queries.request_json(case)], self.fmt, "service_requests")


class TokenView(Open311View):
    @read("The request a batch token became", OpenApiParameter("token", str,
                                                                 OpenApiParameter.PATH))
    def get(self, request, token, fmt):
        sr = ServiceRequest.objects.select_related("case").filter(token=token).first()
        if sr is None:
            raise Open311Error(404, f"token {token!r} was not found")
        return render([{"service_request_id": sr.case.number, "token": sr.token}], self.fmt,
                      "service_requests")


class UpdatesView(Open311View):
    @read("Updates of service requests (servicerequestupdates)", API_KEY, *WINDOW, *PAGING)
    def get(self, request, fmt):
        if request.query_params.get("api_key"):
            self.client(request)  # optional, but a wrong one is an error, not ignored
        return paged(request, queries.find_updates(request.query_params), self.fmt,
                     "service_request_updates")

    @write("Post an update of a service request", UPDATE_FORM)
    def post(self, request, fmt):
        client = self.client(request)
        update = intake.post_update(client, request.data)
        return render([{"update_id": str(update.pk), "account_id": update.contact.get(
            "account_id")}], self.fmt, "service_request_updates")
