from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from server.accounts.views import (ClassListView, DepartmentListView, GuardedLoginView, MeView,
                                   RevokeTokenView, TokenView)
from server.cases.views import (CaseActionView, CaseDetailView, CaseDuplicatesView,
                                CaseListView, PhotoView, VoiceView)
from server.health import StandbyHealthView, health
from server.intake.views import ReportView
from server.maps.views import BasemapTileView, BasemapView, CellListView
from server.open311.camera import CameraAlertView

api = [
    path("health/", health, name="api-health"),
    path("health/standby/", StandbyHealthView.as_view(), name="api-health-standby"),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("auth/revoke/", RevokeTokenView.as_view(), name="api-token-revoke"),
    path("me/", MeView.as_view(), name="api-me"),
    path("departments/", DepartmentListView.as_view(), name="api-departments"),
    path("classes/", ClassListView.as_view(), name="api-classes"),
    path("reports/", ReportView.as_view(), name="api-report"),
    path("cases/", CaseListView.as_view(), name="api-cases"),
    path("cases/<str:number>/", CaseDetailView.as_view(), name="api-case"),
    path("cases/<str:number>/duplicates/", CaseDuplicatesView.as_view(),
         name="api-case-duplicates"),
    path("cases/<str:number>/actions/<str:action>/", CaseActionView.as_view(),
         name="api-case-action"),
    path("map/cells/", CellListView.as_view(), name="api-map-cells"),
    path("map/basemap/", BasemapView.as_view(), name="api-map-basemap"),
    path("map/basemap/tiles/<str:z>/<str:x>/<str:y>.png", BasemapTileView.as_view(),
         name="api-map-basemap-tile"),
    path("", include("server.field.urls")),  # attendance, tracks, duty map, updates
    path("photos/<int:pk>/", PhotoView.as_view(), name="api-photo"),
    path("voice/<int:pk>/", VoiceView.as_view(), name="api-voice"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema",
                                                     template_name="api/swagger_ui.html"),
         name="api-docs"),
]

urlpatterns = [
    path("api/", include(api)),
    path("admin/", admin.site.urls),
    path("accounts/login/", GuardedLoginView.as_view(), name="login"),
    # Out of the app, back to its own login page (not the admin's "logged out" page).
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="login"), name="logout"),
    # Open311 GeoReport v2, camera alerts, the hotline page and API, the portal.
    path("open311/v2/", include("server.open311.urls")),
    path("api/video/alerts/", CameraAlertView.as_view(), name="api-video-alert"),
    path("", include("server.hotline.urls")),
    path("", include("server.portal.urls")),
    path("", include("server.evaluation.urls")),
    path("", include("server.consoles.urls")),
]
if settings.BENCH_FLOOR:  # bench.intake's floor: never routed in a normal deployment
    urlpatterns.insert(0, path("", include("server.benchfloor.urls")))
