from django.urls import path

from coordination.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("scoreboard/", views.scoreboard, name="scoreboard"),
]
