from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularSwaggerView

from quizsite.api.schema import SchemaView
from quizsite.api.views import ApiNotFoundView
from quizsite.ops.views import readyz


def healthz(request) -> HttpResponse:
    """The process is up (no dependency is checked here)."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("quizsite.api.urls")),
    re_path(r"^api/", ApiNotFoundView.as_view()),
    path("accounts/", include("quizsite.accounts.urls")),
    path("lti/", include("quizsite.lti.urls")),
    path("", include("quizsite.web.urls")),
]
