"""Portal pages and their public API (no login, rate-limited per IP, logged).

GET /portal/                         the page: closed cases on a map, status lookup
GET /api/portal/closed/?days=30      recently closed cases (at most 90 days, 500 cases)
GET /api/portal/cases/<number>/      status lookup by case number (404 if unknown)
GET /api/portal/photos/<id>/         a closed case's before/after photo (404 otherwise)
"""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.http import FileResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.renderers import TemplateHTMLRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts import access
from server.api_errors import ApiError
from server.cases.models import Case, Photo
from server.open311.external import LoggedRequestMixin, PortalThrottle
from server.portal import public


class PortalView(LoggedRequestMixin, APIView):
    authentication_classes = ()  # public: a signed-in user sees exactly what anyone sees
    permission_classes = (AllowAny,)
    throttle_classes = (PortalThrottle,)


class PortalPage(PortalView):
    renderer_classes = (TemplateHTMLRenderer,)

    @extend_schema(summary="The public portal page (公众门户)", tags=["pages"], auth=[],
                   responses={(200, "text/html"): str})
    def get(self, request):
        return Response({"leaflet": finders.find("vendor/leaflet/leaflet.js") is not None},
                        template_name="portal/page.html")


class ClosedCasesView(PortalView):
    @extend_schema(summary="Recently closed cases (门户: 近期结案)", tags=["portal"],
                   parameters=[OpenApiParameter("days", int, description="1-90, default 30")],
                   responses={200: dict})
    def get(self, request):
        try:
            days = int(request.query_params.get("days", 30))
        except ValueError:
            raise ApiError("invalid", "days must be a whole number from 1 to 90",
                           field="days") from None
        if not 1 <= days <= public.MAX_DAYS:
            raise ApiError("invalid", "days must be from 1 to 90", field="days")
        streets, communities = public._names()
        cases = [public.case_card(c, streets, communities) for c in public.recently_closed(days)]
        return Response({"days": days, "count": len(cases), "cases": cases})


class CaseStatusView(PortalView):
    @extend_schema(summary="Case status by number (门户: 案件查询)", tags=["portal"],
                   responses={200: dict})
    def get(self, request, number: str):
        case = (Case.objects.select_related("hotline_call", "open311_request")
                .filter(number=number.strip().upper()).first())
        if case is None:
            raise ApiError("not_found", f"no case {number!r}", status_code=404)
        return Response(public.case_status(case))


class PhotoView(PortalView):
    @extend_schema(summary="A closed case's before/after photo (JPEG)", tags=["portal"],
                   responses={200: bytes})
    def get(self, request, pk: int):
        photo = Photo.objects.select_related("case").filter(pk=pk).first()
        if photo is None or not access.is_public_photo(photo):
            raise ApiError("not_found", f"no public photo {pk}", status_code=404)
        response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
        response["Cache-Control"] = "public, max-age=3600"
        return response
