from django.urls import path

from server.portal import views

urlpatterns = [
    path("portal/", views.PortalPage.as_view(), name="portal"),
    path("api/portal/closed/", views.ClosedCasesView.as_view(), name="api-portal-closed"),
    path("api/portal/cases/<str:number>/", views.CaseStatusView.as_view(), name="api-portal-case"),
    path("api/portal/photos/<int:pk>/", views.PhotoView.as_view(), name="api-portal-photo"),
]
