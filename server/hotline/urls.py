from django.urls import path

from server.hotline import api, views

urlpatterns = [
    path("hotline/", views.hotline_page, name="hotline"),
    path("api/hotline/places/suggest/", api.PlaceSearchView.as_view(mode="suggest"),
         name="api-hotline-suggest"),
    path("api/hotline/places/geocode/", api.PlaceSearchView.as_view(mode="geocode"),
         name="api-hotline-geocode"),
    path("api/hotline/places/reverse/", api.PlaceReverseView.as_view(), name="api-hotline-reverse"),
    path("api/hotline/duplicates/", api.DuplicatesView.as_view(), name="api-hotline-duplicates"),
    path("api/hotline/calls/", api.CallView.as_view(), name="api-hotline-calls"),
    path("api/hotline/cases/<str:number>/contact/", api.ContactView.as_view(),
         name="api-hotline-contact"),
    path("api/hotline/callbacks/", api.CallbackListView.as_view(), name="api-hotline-callbacks"),
    path("api/hotline/callbacks/<str:number>/", api.CallbackView.as_view(),
         name="api-hotline-callback"),
]
