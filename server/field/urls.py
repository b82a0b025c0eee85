"""Routes of the field API (issue 6), under /api/."""

from django.urls import path

from server.field import views

urlpatterns = [
    path("attendance/", views.AttendanceView.as_view(), name="api-attendance"),
    path("tracks/", views.TrackView.as_view(), name="api-tracks"),
    path("map/nearby/", views.NearbyView.as_view(), name="api-map-nearby"),
    path("map/duty/", views.DutyMapView.as_view(), name="api-map-duty"),
]
