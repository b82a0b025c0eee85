"""Routes of the field API (attendance, tracks, duty map, component updates), under /api/."""

from django.urls import path, re_path

from server.field import update_views, views

urlpatterns = [
    path("attendance/", views.AttendanceView.as_view(), name="api-attendance"),
    path("tracks/", views.TrackView.as_view(), name="api-tracks"),
    path("map/nearby/", views.NearbyView.as_view(), name="api-map-nearby"),
    path("map/duty/", views.DutyMapView.as_view(), name="api-map-duty"),
    path("component-updates/", update_views.ComponentUpdateListView.as_view(),
         name="api-component-updates"),
    # The contract names these without a trailing slash; both spellings work.
    re_path(r"^component-updates/publish/?$", update_views.PublishView.as_view(),
            name="api-component-updates-publish"),
    re_path(r"^component-updates/(?P<pk>[0-9]+)/(?P<decision>approve|reject)/?$",
            update_views.ComponentUpdateDecisionView.as_view(), name="api-component-update-decide"),
    path("component-updates/<int:pk>/photo/", update_views.ComponentUpdatePhotoView.as_view(),
         name="api-component-update-photo"),
]
