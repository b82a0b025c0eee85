"""/open311/v2/...: every resource with its format as the extension (``services.json``)."""

from django.urls import re_path

from server.open311 import views

FMT = r"\.(?P<fmt>[A-Za-z0-9]+)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.DiscoveryView.as_view(), name="open311-discovery"),
    re_path(r"^services" + FMT, views.ServiceListView.as_view(), name="open311-services"),
    re_path(r"^services/(?P<service_code>[^/]+?)" + FMT, views.ServiceDefinitionView.as_view(),
            name="open311-service"),
    re_path(r"^requests" + FMT, views.RequestsView.as_view(), name="open311-requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]+?)" + FMT, views.RequestView.as_view(),
            name="open311-request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, views.TokenView.as_view(), name="open311-token"),
    re_path(r"^servicerequestupdates" + FMT, views.UpdatesView.as_view(),
            name="open311-updates"),
]
