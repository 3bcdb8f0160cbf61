from django.urls import path

from leads import import_views

app_name = "leads_import"

urlpatterns = [
    path("", import_views.upload, name="upload"),
    path("template.csv", import_views.template_download, name="template"),
    path("<int:pk>/", import_views.detail, name="detail"),
    path("<int:pk>/confirm/", import_views.confirm, name="confirm"),
    path("<int:pk>/cancel/", import_views.cancel, name="cancel"),
    path("<int:pk>/rows.csv", import_views.problems_download, name="problems"),
]
