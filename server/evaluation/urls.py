"""Evaluation pages and API (included from server/urls.py)."""

from django.urls import path

from server.evaluation import api, views

urlpatterns = [
    path("evaluation/", views.rankings, name="evaluation"),
    path("evaluation/cases/", views.cases, name="evaluation-cases"),
    path("evaluation/bulletin/", views.bulletin, name="evaluation-bulletin"),
    path("api/evaluation/rankings/", api.RankingsView.as_view(), name="api-evaluation-rankings"),
    path("api/evaluation/cases/", api.CasesBehindView.as_view(), name="api-evaluation-cases"),
    path("api/evaluation/export/", api.ExportView.as_view(), name="api-evaluation-export"),
    path("api/evaluation/publish/", api.PublishView.as_view(), name="api-evaluation-publish"),
    path("evaluation/publish/", views.publish, name="evaluation-publish"),
]
