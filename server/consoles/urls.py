"""Console pages, their read-only helper endpoints, and the language switch."""

from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from server.consoles import api, views

urlpatterns = [
    path("", views.home, name="home"),
    path("console/supervision/", views.supervision_center, name="console-supervision"),
    path("console/command/", views.command_center, name="console-command"),
    path("console/department/", views.department_terminal, name="console-department"),
    path("console/dashboard/", views.dashboard, name="console-dashboard"),
    path("console/case/<str:number>/", views.case_page, name="console-case"),
    path("api/workflow/", api.WorkflowView.as_view(), name="api-workflow"),
    path("api/console/stats/", api.StatsView.as_view(), name="api-console-stats"),
    path("api/console/places/", api.PlacesView.as_view(), name="api-console-places"),
    path("api/console/supervisors/", api.SupervisorsView.as_view(),
         name="api-console-supervisors"),
    path("api/console/map/cells/", api.CellsGeoJSONView.as_view(), name="api-console-cells"),
    path("api/console/map/components/", api.ComponentsGeoJSONView.as_view(),
         name="api-console-components"),
    path("i18n/", include("django.conf.urls.i18n")),  # POST /i18n/setlang/
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["server.consoles"]), name="jsi18n"),
]
