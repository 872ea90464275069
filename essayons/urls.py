from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

urlpatterns = [
    path("", include("essayons.accounts.urls")),
    path("", include("essayons.diagnostic.urls")),
    path("", include("essayons.brand.urls")),
    path("", include("essayons.planner.urls")),
    path("", include("essayons.connectors.urls")),
    path("", include("essayons.publishing.urls")),
    path("", include("essayons.inbox.urls")),
    path("", include("essayons.tracking.urls")),
    path("", include("essayons.ops.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
]

handler403 = "essayons.ops.views.forbidden"
handler404 = "essayons.ops.views.not_found"
handler400 = "essayons.ops.views.bad_request"
handler500 = "essayons.ops.views.server_error"
