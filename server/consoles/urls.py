from django.urls import path

from server.consoles import views

urlpatterns = [
    path("", views.home, name="home"),
    path("console/command/", views.command_center, name="console-command"),
    path("console/department/", views.department_terminal, name="console-department"),
]
