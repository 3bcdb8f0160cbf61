from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from coordination.core.web import errors, views
from coordination.core.web.routes import page_urlpatterns

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.language_switch, name="language-switch"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification-open"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("organisation/", views.organisation, name="organisation"),
    path("healthz", views.healthz, name="healthz"),
    # Each app's pages, as it registered them from its AppConfig.ready().
    *page_urlpatterns(),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^api/(?P<version>v1)/", include("coordination.api_urls")),
    re_path(r"^api/", errors.api_not_found),
]

handler400 = "coordination.core.web.errors.bad_request"
handler403 = "coordination.core.web.errors.permission_denied"
handler404 = "coordination.core.web.errors.page_not_found"
handler500 = "coordination.core.web.errors.server_error"
