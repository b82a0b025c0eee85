from django.urls import path

from server.benchfloor.views import FloorView

urlpatterns = [path("api/bench/floor/", FloorView.as_view(), name="bench-floor")]
